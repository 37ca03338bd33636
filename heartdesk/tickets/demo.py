"""Demo tickets for `heartdesk demo`: ninety days of help desk traffic, replayed through the services, quietly.

Each ticket's life is planned first (received; answered after a realistic delay; solved on the first answer, or
after asking the customer, a promised update or an escalation; now and then reopened by the customer), as timed
steps. The steps of every ticket are then played in time order, with the SLA sweep run for each simulated hour in
between. Time order is the contract `sweep.run(now=t)` needs: it breaches every clock still running at `t` whose due
time has passed, so every step before `t` must have been played (or an answer given on time would be found late)
and none after it (or a breach, and the breach rule's escalation, would be missed). Steps planned after the real
now are not played: recent tickets are still waiting, as in a live desk.
"""

import datetime as dt
import heapq
import itertools
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from heartdesk.core.errors import Conflict
from heartdesk.messaging import quiet
from heartdesk.tickets import escalation, services
from heartdesk.tickets.choices import Channel, Status
from heartdesk.tickets.models import Ticket
from heartdesk.tickets.sla import sweep

DAYS = 90
TICKETS = 520  # about 5.8 a day: 400–600 over the ninety days
SWEEP_EVERY = dt.timedelta(hours=1)
FIRST_RESPONSE_MINUTES = {"p1": 15, "p2": 60, "p3": 240, "p4": 480}  # the default policy's targets (tickets/seed.py)

# (subject, type, priority, category, specialist work): the desk's usual traffic, weighted by how often it comes.
SUBJECTS = [
    ("Cannot connect to eduroam in the library", "question", "p3", "network", False, 8),
    ("VPN drops every ten minutes", "incident", "p2", "network", False, 5),
    ("Exam portal down for all students", "incident", "p1", "exams", True, 1),
    ("Request: software licence for MATLAB", "request", "p4", "software", False, 6),
    ("Password reset mail never arrives", "incident", "p2", "accounts", False, 6),
    ("Printer on floor 2 prints blank pages", "incident", "p3", "printing", False, 6),
    ("How do I share a folder with an external partner?", "question", "p4", "storage", False, 7),
    ("Lecture recording missing from the course page", "incident", "p2", "teaching", False, 4),
    ("Complaint: third time my laptop repair was delayed", "complaint", "p2", "hardware", False, 2),
    ("HPC job queue stuck since this morning", "problem", "p1", "hpc", True, 1),
    ("Account locked after too many sign-in attempts", "incident", "p3", "accounts", False, 7),
    ("New starter needs an email account and a laptop", "request", "p3", "accounts", False, 5),
    ("Two-factor app lost with my old phone", "question", "p3", "accounts", False, 5),
    ("Shared drive shows 'access denied' since Monday", "incident", "p3", "storage", False, 5),
    ("Projector in lecture hall B does not detect laptops", "incident", "p2", "teaching", False, 3),
    ("Request: more storage for our research project", "request", "p4", "storage", True, 3),
    ("Outlook keeps asking for my password", "incident", "p3", "email", False, 6),
    ("Wi-Fi very slow in the student residences", "problem", "p3", "network", True, 3),
    ("Complaint: nobody answered my ticket about grades upload", "complaint", "p2", "teaching", False, 1),
    ("GPU nodes reject jobs with a licence error", "incident", "p2", "hpc", True, 2),
]
WEIGHTS = [s[-1] for s in SUBJECTS]
# (weight, channel): live channels are logged by the agent who takes the call or chat.
CHANNELS = [(44, "email"), (20, "web"), (12, "portal"), (14, "phone"), (10, "chat")]

ANSWERS = [
    "Thank you for reporting this. I found the cause and fixed it on our side; it should work for you now.",
    "Thanks for the details. I have reset the setting that caused this; please try again and it will work.",
    "I have made the change you asked for. It is active now, and I have added a short how-to below.",
    "This was a known issue with the last update; I applied the fix to your account just now.",
]
QUESTIONS = [
    "Could you send a screenshot of the error message, please, and the time it happened?",
    "Could you tell me which building and room you are in, and the name of the device?",
    "Could you try once more from a private browser window and tell me what you see?",
]
UPDATES = [
    "I am still on it: the cause is on a server we share with another department. I will update you by {time}.",
    "We have narrowed it down and are testing a fix. You will hear from me again by {time}.",
]
CUSTOMER_REPLIES = [
    "Here is the screenshot you asked for. It happened at about 9 this morning.",
    "I tried again from a private window: same error. I am in the main building, room 2.14.",
    "Thanks. It still does not work for me, see the attached error text.",
]
REOPENS = [
    "Sorry, the problem is back since this morning.",
    "It worked for a day but now it fails again in the same way.",
]
FOLLOW_UP_ANSWERS = [
    "Thanks for the information. With it I could find and fix the cause; it works now.",
    "The specialists have fixed it. Please let us know if anything is still not right.",
]


@dataclass
class _Life:
    """One ticket's plan: who asks, through which channel, handled by whom; `ticket` once it is created."""

    created: dt.datetime
    subject: str
    type: str
    priority: str
    category: str
    channel: str
    requester: object
    team: object
    agent: object
    specialist: object
    specialist_team: object
    ticket: Ticket | None = None
    replies: int = 0
    steps: list[tuple[dt.datetime, Callable[["_Life", dt.datetime], None]]] = field(default_factory=list)


def _on_shift(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """The moment, or the start of the next shift (weekdays 8:00–18:00) plus a little, when it falls outside one."""
    local = timezone.localtime(moment)
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return moment
    day = local.date() + dt.timedelta(days=0 if local.hour < 8 else 1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(8), tzinfo=local.tzinfo)
    return start + dt.timedelta(minutes=rng.randrange(5, 120))


def _created(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """A moment in the last DAYS days, mostly on weekdays during the day."""
    while True:
        moment = now - dt.timedelta(seconds=rng.randrange(600, DAYS * 86400 - 3600))
        local = timezone.localtime(moment)
        weight = (1.0 if local.weekday() < 5 else 0.25) * (1.0 if 8 <= local.hour < 18 else 0.12)
        if rng.random() < weight:
            return moment


def _first_answer_delay(rng: random.Random, priority: str) -> dt.timedelta:
    """Mostly well inside the default policy's first response target; about one in twelve over it."""
    target = FIRST_RESPONSE_MINUTES[priority]
    share = rng.uniform(0.05, 0.35) if rng.random() < 0.55 else rng.uniform(0.35, 0.9)
    if rng.random() < 0.08:
        share = rng.uniform(1.2, 4.0)
    return dt.timedelta(minutes=max(2, int(target * share)))


def _plan(life: _Life, rng: random.Random, now: dt.datetime) -> None:
    """The timed steps of one ticket's life (steps after `now` are cut when played)."""
    at = life.created
    live = life.channel in (Channel.PHONE, Channel.CHAT)

    def then(moment: dt.datetime, step) -> dt.datetime:
        """Add a step; a step never comes before the one planned before it (two shifts' starts may cross)."""
        if life.steps:
            moment = max(moment, life.steps[-1][0] + dt.timedelta(minutes=rng.randrange(2, 15)))
        life.steps.append((moment, step))
        return moment

    then(at, _create)
    if live and rng.random() < 0.55:  # solved on the line
        then(at + dt.timedelta(minutes=rng.randrange(3, 20)), _solve_on_the_line)
        return
    if rng.random() < 0.01 and now - at > dt.timedelta(days=14):
        return  # fell through the cracks: still unanswered, part of the backlog
    delay = _first_answer_delay(rng, life.priority)
    urgent = life.priority == "p1"  # worked around the clock
    first = at + delay if urgent else _on_shift(at + delay, rng)
    if now - at < dt.timedelta(days=4) and not urgent and rng.random() < 0.5:
        # Still in progress: the customer was asked for more and may have answered; what comes next is to come.
        first = then(first, _ask)
        if rng.random() < 0.5:
            then(first + dt.timedelta(minutes=rng.randrange(20, 60 * 20)), _customer_reply)
        return
    roll = rng.random()
    if urgent or (roll > 0.72 and rng.random() < 0.25):
        # Level 1 acknowledges with a promised update and escalates; the specialists fix it, the customer tests.
        first = then(first, _promise(1 if urgent else rng.choice([3, 4, 24])))
        escalated = then(first + dt.timedelta(minutes=rng.randrange(5, 20 if urgent else 60)), _escalate)
        update = escalated + dt.timedelta(minutes=rng.randrange(10, 25) if urgent else rng.randrange(30, 150))
        update = then(update if urgent else _on_shift(update, rng), _specialist_reply(Status.PENDING))
        done = update + dt.timedelta(hours=rng.choice([1, 2, 5, 20, 30, 50, 80]), minutes=rng.randrange(60))
        solved = then(done if urgent else _on_shift(done, rng), _specialist_reply(Status.SOLVED))
    elif live or roll < 0.70:
        solved = then(first, _answer(Status.SOLVED))  # first contact resolution
    elif roll < 0.88:
        # Asks the customer for more; solved once they answer.
        first = then(first, _ask)
        back = then(first + dt.timedelta(minutes=rng.randrange(20, 60 * 30)), _customer_reply)
        solved = then(_on_shift(back + dt.timedelta(minutes=rng.randrange(15, 240)), rng), _answer(Status.SOLVED))
    else:
        # Promises an update and (mostly) keeps it with the answer.
        hours = rng.choice([1, 2, 3, 24]) if life.priority in ("p1", "p2") else rng.choice([2, 3, 4, 24])
        first = then(first, _promise(hours))
        late = dt.timedelta(minutes=rng.randrange(-50, 10) if hours < 24 else rng.randrange(-600, -60))
        solved = then(first + dt.timedelta(hours=hours) + late, _answer(Status.SOLVED))
    if rng.random() < 0.06:  # the customer writes back within the reopen window: reopened, then solved again
        back = then(solved + dt.timedelta(hours=rng.randrange(3, 24 * 5)), _reopen)
        then(_on_shift(back + dt.timedelta(minutes=rng.randrange(20, 300)), rng), _answer(Status.SOLVED))


# --- Steps: each calls one service at the step's time ---------------------------------------------------------


def _create(life: _Life, at: dt.datetime) -> None:
    live = life.channel in (Channel.PHONE, Channel.CHAT)
    life.ticket = services.ticket_create(
        subject=life.subject,
        body=f"Hello,\n\n{life.subject}. Could you help?\n\nThanks,\n{life.requester.first_name}",
        requester=life.requester,
        channel=life.channel,
        type=life.type,
        priority=life.priority,
        category=life.category,
        team=life.team,
        assignee=life.agent if live else None,
        call_duration_seconds=60 + life.created.minute * 17 if life.channel == Channel.PHONE else None,
        actor=life.agent if live else None,
        now=at,
    )


def _reply(life: _Life, at: dt.datetime, body: str, *, status=None, promise_at=None) -> None:
    services.ticket_reply(ticket=life.ticket, body=body, actor=life.agent, status=status, promise_at=promise_at, now=at)
    life.replies += 1


def _solve_on_the_line(life: _Life, at: dt.datetime) -> None:
    services.ticket_update(ticket=life.ticket, status=Status.SOLVED, actor=life.agent, now=at)


def _answer(status: str):
    def step(life: _Life, at: dt.datetime) -> None:
        texts = FOLLOW_UP_ANSWERS if life.replies else ANSWERS
        _reply(life, at, texts[(life.ticket.pk + life.replies) % len(texts)], status=status)

    return step


def _ask(life: _Life, at: dt.datetime) -> None:
    _reply(life, at, QUESTIONS[life.ticket.pk % len(QUESTIONS)], status=Status.PENDING)


def _promise(hours: int):
    def step(life: _Life, at: dt.datetime) -> None:
        promise_at = at + dt.timedelta(hours=hours)
        when = timezone.localtime(promise_at).strftime("%A %H:%M")
        _reply(life, at, UPDATES[life.ticket.pk % len(UPDATES)].format(time=when), promise_at=promise_at)

    return step


def _escalate(life: _Life, at: dt.datetime) -> None:
    try:
        escalation.ticket_escalate(
            ticket=life.ticket,
            reason="Needs the specialists: beyond what level 1 can change.",
            team=life.specialist_team,
            actor=life.agent,
            now=at,
        )
    except Conflict:
        return  # the breach rule has raised it to the top already
    services.ticket_update(ticket=life.ticket, assignee=life.specialist, actor=life.agent, now=at)
    life.agent = life.specialist


def _specialist_reply(status: str):
    def step(life: _Life, at: dt.datetime) -> None:
        if status == Status.PENDING:
            body = "We have applied a fix on the server. Could you test it and tell us whether it works for you?"
        else:
            body = FOLLOW_UP_ANSWERS[1]
        _reply(life, at, body, status=status)

    return step


def _customer_reply(life: _Life, at: dt.datetime) -> None:
    body = CUSTOMER_REPLIES[life.ticket.pk % len(CUSTOMER_REPLIES)]
    services.ticket_customer_reply(ticket=life.ticket, contact=life.requester, body=body, now=at)


def _reopen(life: _Life, at: dt.datetime) -> None:
    body = REOPENS[life.ticket.pk % len(REOPENS)]
    services.ticket_customer_reply(ticket=life.ticket, contact=life.requester, body=body, now=at)


# --- Seeding --------------------------------------------------------------------------------------------------


def seed(
    *,
    users: dict,
    teams: list,
    contacts: list,
    rng: random.Random,
    count: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """`count` (default TICKETS) tickets over the last DAYS days, played in time order with the SLA sweep; returns
    how many.

    `teams` is [level 1 desk, specialists]; `users` holds the demo staff by username."""
    now = now or timezone.now()
    desk, specialists = teams
    first_line = [users["agent"], users["sam"]]
    second_line = [users["specialist"], users["engineer"]]
    lives = []
    for _ in range(TICKETS if count is None else count):
        subject, kind, priority, category, specialist_work, _ = rng.choices(SUBJECTS, WEIGHTS)[0]
        if priority in ("p3", "p4") and rng.random() < 0.15:
            priority = "p2" if priority == "p3" else "p3"
        channel = rng.choices([c for _, c in CHANNELS], [w for w, _ in CHANNELS])[0]
        on_second_line = specialist_work and rng.random() < 0.5
        life = _Life(
            created=_created(rng, now),
            subject=subject,
            type=kind,
            priority=priority,
            category=category,
            channel=channel,
            requester=rng.choice(contacts),
            team=specialists if on_second_line else desk,
            agent=rng.choice(second_line if on_second_line else first_line),
            specialist=rng.choice(second_line),
            specialist_team=specialists,
        )
        _plan(life, rng, now)
        lives.append(life)
    order = itertools.count()
    queue = [(at, next(order), life, step) for life in lives for at, step in life.steps if at < now]
    heapq.heapify(queue)
    swept = min(life.created for life in lives)
    level = sweep.log.level
    sweep.log.setLevel(logging.WARNING)  # a line per simulated hour with a breach would bury the command's output
    try:
        with quiet.quietly():
            while queue:
                at, _, life, step = heapq.heappop(queue)
                while swept + SWEEP_EVERY <= at:
                    swept += SWEEP_EVERY
                    sweep.run(now=swept)
                step(life, at)
            sweep.run(now=now)
    finally:
        sweep.log.setLevel(level)
    return len(lives)
