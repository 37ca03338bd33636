"""Demo survey answers for `heartdesk demo`: the post-interaction survey of every demo ticket solved, answered the
way real answers are (an invitation scheduled on solving, sent, opened and answered), at past times.

Called after the tickets are replayed. Those were replayed quietly, and quiet tickets schedule no survey
(`receivers.schedule_post_interaction_survey`: imported history is never surveyed), so this schedules each solved
ticket's invitation itself, through the same service, at the time the ticket was last solved. Everything is then
played in time order (scheduled, sent by `send_due`, opened, answered, followed up), because the fatigue rule asks
what was sent in the days before each moment. Quietly, so no survey mail is queued and no one is notified.

Poor answers open follow-ups through `response_record`, as a live answer does; most of those older than a day have
been called back and closed by the manager, so the loop can be shown closing.
"""

import datetime as dt
import heapq
import itertools
import random

from django.db import transaction
from django.utils import timezone

from heartdesk.messaging import quiet
from heartdesk.surveys import services
from heartdesk.surveys.choices import FollowUpState, InvitationState, QuestionRole, ResponseSource
from heartdesk.surveys.models import FollowUp
from heartdesk.tickets.choices import ClockState, Status
from heartdesk.tickets.models import SlaClock, Ticket

ANSWER_RATE = 0.42  # of the invitations sent; some solved tickets' invitations are held back by fatigue
LINK_ONLY = 0.25  # answered with the one-click rating in the email and nothing more

PRAISE = [
    "Quick and friendly answer, thank you!",
    "Alex explained everything clearly and the fix worked straight away.",
    "Very helpful, and fast. Great service.",
    "Thanks for calling me back so promptly, much appreciated.",
    "Clear instructions, solved in minutes.",
]
MIXED = [
    "It was solved in the end, but I had to explain the problem twice.",
    "Fine, although the answer took a while.",
    "OK, but the instructions in the knowledge base are out of date.",
]
COMPLAINTS = [
    "I waited three days for a reply and the problem is still not fixed. Very disappointing.",
    "The agent closed my ticket without fixing anything. Terrible experience.",
    "Nobody told me what was going on. I had to chase you twice, awful communication.",
    "Still waiting for the laptop repair. This is the third time, unacceptable.",
    "The answer was a copy-pasted link that did not help at all. Useless.",
    "Rude reply, and the issue came back the next day. Not happy at all.",
]
OUTCOMES = [
    "Called the customer: apologised for the delay, the issue is now fixed and they are happy with the outcome.",
    "Spoke to them by phone; explained what went wrong and agreed a check-in next week. Customer satisfied.",
    "Emailed and then called: the problem was a second issue, opened a new ticket for it and set expectations.",
    "Met in person at the faculty office; the fix works now, coached the agent on clearer updates.",
]


def _experience(ticket_ids: list[int]) -> dict[int, bool]:
    """Ticket id -> whether the customer had a rough ride (an SLA breached or the ticket reopened). Two queries."""
    breached = set(
        SlaClock.objects.filter(ticket_id__in=ticket_ids, state=ClockState.BREACHED).values_list("ticket_id", flat=True)
    )
    reopened = set(Ticket.objects.filter(pk__in=ticket_ids, reopen_count__gt=0).values_list("pk", flat=True))
    return {pk: pk in breached or pk in reopened for pk in ticket_ids}


def _answers(rng: random.Random, rough: bool, positions: dict[str, int]) -> tuple[dict[int, object], bool]:
    """The answers of one customer (by question position) and whether they stop after the one-click rating."""
    csat = rng.choices([5, 4, 3, 2, 1], [25, 33, 17, 14, 11] if rough else [63, 30, 3, 2, 2])[0]
    answers: dict[int, object] = {positions[QuestionRole.CSAT]: csat}
    if rng.random() < LINK_ONLY:
        return answers, True
    if csat >= 4:
        nps = rng.choices([10, 9, 8, 7, 6], [45, 33, 15, 5, 2] if csat == 5 else [15, 28, 35, 15, 7])[0]
    else:
        nps = rng.randrange(0, 6) if csat <= 2 else rng.randrange(4, 8)
    resolved = rng.random() < (0.97 if csat >= 4 else 0.7 if csat == 3 else 0.35)
    answers[positions[QuestionRole.RESOLVED]] = "yes" if resolved else "no"
    answers[positions[QuestionRole.RESPONSE_TIME]] = "yes" if rng.random() < (0.4 if rough else 0.95) else "no"
    if rng.random() < 0.8:
        answers[positions[QuestionRole.NPS]] = nps
    if csat <= 2:
        answers[positions[QuestionRole.IMPROVE]] = rng.choice(COMPLAINTS)
    elif csat == 3 and rng.random() < 0.5:
        answers[positions[QuestionRole.IMPROVE]] = rng.choice(MIXED)
    elif csat >= 4 and rng.random() < 0.35:
        answers[positions[QuestionRole.APPRECIATED]] = rng.choice(PRAISE)
    return answers, False


def seed(*, users: dict, rng: random.Random, now: dt.datetime | None = None) -> int:
    """Survey every solved demo ticket as it would have been, answer about 42 % of those sent; returns answers."""
    now = now or timezone.now()
    manager = users["manager"]
    solved = list(
        Ticket.objects.filter(status__in=(Status.SOLVED, Status.CLOSED), solved_at__isnull=False)
        .select_related("requester")
        .order_by("solved_at", "id")
    )
    rough = _experience([t.pk for t in solved])
    order = itertools.count()
    queue: list[tuple] = [(t.solved_at, next(order), "schedule", t) for t in solved]
    heapq.heapify(queue)
    positions: dict[int, dict[str, int]] = {}
    answered = 0
    with quiet.quietly():
        while queue:
            at, _, what, item = heapq.heappop(queue)
            if at >= now:
                continue  # still to come: scheduled, unsent or unanswered, as on a live desk
            if what == "schedule":
                with transaction.atomic():
                    invitation = services.invitation_for_solved_ticket(ticket=item, now=at)
                if invitation is not None and invitation.state == InvitationState.SCHEDULED:
                    heapq.heappush(queue, (invitation.send_after, next(order), "send", invitation))
            elif what == "send":
                services.send_due(now=at)
                item.refresh_from_db(fields=["state"])
                if item.state == InvitationState.SENT and rng.random() < ANSWER_RATE:
                    delay = dt.timedelta(minutes=rng.choice([rng.randrange(2, 90), rng.randrange(90, 60 * 48)]))
                    heapq.heappush(queue, (at + delay, next(order), "answer", item))
            elif what == "answer":
                if item.version_id not in positions:
                    questions = item.version.questions.exclude(role="")
                    positions[item.version_id] = {q.role: q.position for q in questions}
                answers, link_only = _answers(rng, rough.get(item.ticket_id, False), positions[item.version_id])
                services.invitation_open(item.pk, now=at)
                response = services.response_record(
                    invitation=item,
                    answers=answers,
                    partial=link_only,
                    source=ResponseSource.LINK if link_only else ResponseSource.PAGE,
                    now=at,
                )
                answered += 1
                follow_up = FollowUp.objects.filter(response=response, state=FollowUpState.OPEN).first()
                if follow_up is not None and rng.random() < 0.85:
                    called = at + dt.timedelta(hours=rng.randrange(2, 40), minutes=rng.randrange(60))
                    heapq.heappush(queue, (called, next(order), "call back", follow_up))
            elif what == "call back":
                services.follow_up_close(
                    follow_up=item,
                    contacted_at=at,
                    channel=rng.choice(["phone", "phone", "email", "meeting"]),
                    outcome=rng.choice(OUTCOMES),
                    actor=item.owner or manager,
                    now=min(at + dt.timedelta(minutes=rng.randrange(5, 40)), now),
                )
    return answered
