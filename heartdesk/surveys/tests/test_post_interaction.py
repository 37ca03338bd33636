"""Solving a ticket leads, unattended, to a survey email; one click answers it; a poor answer is followed up."""

import datetime as dt
import re

import pytest
from django.test import Client
from freezegun import freeze_time

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.messaging.models import OutboundEmail
from heartdesk.surveys import services, tokens
from heartdesk.surveys.choices import FollowUpState, InvitationState
from heartdesk.surveys.models import FollowUp, Invitation, Response, Unsubscribe
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)


@pytest.fixture
def solved(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    team = accounts.team_create(name="Desk", manager=manager, actor=None)
    agent = cast[Role.AGENT]
    t = ticket(requester=contact(), team=team)
    tickets.ticket_reply(ticket=t, body="Fixed.", actor=agent, status=Status.SOLVED, now=MONDAY_10 + H)
    t.refresh_from_db()
    return t


def survey_mail(t):
    return OutboundEmail.objects.get(key__startswith="survey:", ticket=t)


def test_solving_schedules_the_survey_an_hour_later_and_the_sweep_sends_it_once(solved):
    invitation = Invitation.objects.get(ticket=solved)
    assert invitation.state == InvitationState.SCHEDULED
    assert invitation.send_after == MONDAY_10 + 2 * H  # solved at 11:00 + the default hour
    assert services.send_due(now=MONDAY_10 + 2 * H - M) == 0
    assert services.send_due(now=MONDAY_10 + 2 * H) == 1
    assert services.send_due(now=MONDAY_10 + 3 * H) == 0
    mail = survey_mail(solved)
    assert len(re.findall(r"/s/[^/\s]+/rate/[1-5]/", mail.body_text)) == 5
    assert "List-Unsubscribe" in mail.headers and f"[{solved.reference}]" in mail.subject


def test_the_delay_never_exceeds_24_hours(cast, settings):
    from heartdesk.surveys.models import Survey

    Survey.objects.filter(kind="post_interaction").update(delay_minutes=24 * 60)
    t = ticket(requester=contact())
    tickets.ticket_reply(ticket=t, body="Done", actor=cast[Role.AGENT], status=Status.SOLVED, now=MONDAY_10)
    assert Invitation.objects.get(ticket=t).send_after == MONDAY_10 + dt.timedelta(hours=24)


def test_reopening_before_it_is_sent_cancels_it(solved, cast):
    tickets.ticket_customer_reply(ticket=solved, contact=solved.requester, body="Still broken", now=MONDAY_10 + 90 * M)
    assert Invitation.objects.get(ticket=solved).state == InvitationState.CANCELLED
    assert services.send_due(now=MONDAY_10 + 3 * H) == 0


def test_one_click_records_the_rating_and_answering_again_updates_it(solved):
    services.send_due(now=MONDAY_10 + 2 * H)
    rate_4 = re.search(r"(/s/[^/\s]+/rate/4/)", survey_mail(solved).body_text).group(1)
    client = Client()
    assert client.get(rate_4).status_code == 200  # the page with the rating ready; its script posts it
    assert Response.objects.count() == 0
    response = client.post(rate_4, {"rating": "4"})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    saved = Response.objects.get()
    assert saved.csat == 4 and saved.agent_id == solved.assignee_id and saved.channel == solved.channel
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"your rating is saved" in page.content
    form = {"q1": "5", "q2": "yes", "q3": "yes", "q4": "10", "q5": "", "q6": "Very quick and friendly."}
    assert client.post(response["Location"].split("?")[0], form).status_code == 200
    assert Response.objects.count() == 1
    saved.refresh_from_db()
    assert (saved.csat, saved.resolved, saved.nps, saved.sentiment) == (5, True, 10, "positive")
    assert Invitation.objects.get().state == InvitationState.ANSWERED


def test_a_poor_answer_opens_a_follow_up_for_the_agents_manager_who_closes_it(solved, cast):
    services.send_due(now=MONDAY_10 + 2 * H)
    token = tokens.make(Invitation.objects.get())
    client = Client()
    answers = {"q1": "1", "q2": "no", "q3": "no", "q4": "2", "q6": "", "q5": "Nobody answered for three days."}
    assert client.post(f"/s/{token}/", answers).status_code == 200
    follow_up = FollowUp.objects.get()
    assert "response_time" in follow_up.response.themes and follow_up.response.sentiment == "negative"
    manager = cast[Role.SUPPORT_MANAGER]
    assert follow_up.owner == manager
    assert set(follow_up.reasons) >= {"low_rating", "detractor", "not_resolved"}
    services.follow_up_close(
        follow_up=follow_up,
        contacted_at=MONDAY_10 + 5 * H,
        channel="phone",
        outcome="Apologised; fixed the cause.",
        reopen_ticket=True,
        actor=manager,
        now=MONDAY_10 + 6 * H,
    )
    follow_up.refresh_from_db()
    solved.refresh_from_db()
    assert follow_up.state == FollowUpState.CLOSED and follow_up.ticket_reopened
    assert solved.status == Status.OPEN


@pytest.mark.parametrize(
    ("mangle", "status"),
    [(lambda t: t[:-3] + "xyz", 400), (lambda t: "not-a-token", 400), (lambda t: t, 410)],
)
def test_tampered_and_expired_links_get_a_clear_4xx_page(solved, mangle, status):
    services.send_due(now=MONDAY_10 + 2 * H)
    invitation = Invitation.objects.get()
    token = tokens.make(invitation)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=invitation.survey.link_days + 1)
    with freeze_time(later if status == 410 else dt.datetime.now(dt.UTC)):
        response = Client().get(f"/s/{mangle(token)}/")
    assert response.status_code == status
    assert Response.objects.count() == 0


def test_a_link_to_a_deleted_invitation_is_a_404(solved):
    services.send_due(now=MONDAY_10 + 2 * H)
    invitation = Invitation.objects.get()
    token = tokens.make(invitation)
    invitation.delete()
    assert Client().get(f"/s/{token}/").status_code == 404


def test_bad_answers_name_the_question_and_write_nothing(solved):
    services.send_due(now=MONDAY_10 + 2 * H)
    token = tokens.make(Invitation.objects.get())
    response = Client().post(f"/s/{token}/", {"q1": "9", "q4": "11"})
    assert response.status_code == 400
    assert b"takes a whole number from 1 to 5" in response.content
    assert Response.objects.count() == 0


def test_fatigue_and_unsubscribe_are_honoured_and_recorded(cast):
    agent = cast[Role.AGENT]
    c = contact()
    first = ticket(requester=c, subject="one")
    tickets.ticket_reply(ticket=first, body="Done", actor=agent, status=Status.SOLVED, now=MONDAY_10)
    services.send_due(now=MONDAY_10 + 2 * H)
    second = ticket(requester=c, subject="two", now=MONDAY_10 + 3 * H)
    tickets.ticket_reply(ticket=second, body="Done", actor=agent, status=Status.SOLVED, now=MONDAY_10 + 4 * H)
    assert Invitation.objects.get(ticket=second).state == InvitationState.SUPPRESSED  # within 7 days
    token = tokens.make(Invitation.objects.get(ticket=first))
    assert Client().post(f"/s/{token}/unsubscribe/", {"scope": "all"}).status_code == 200
    assert Unsubscribe.objects.get(contact=c).kind == ""
    third = ticket(requester=c, subject="three", now=MONDAY_10 + dt.timedelta(days=10))
    tickets.ticket_reply(
        ticket=third, body="Done", actor=agent, status=Status.SOLVED, now=MONDAY_10 + dt.timedelta(days=10, hours=1)
    )
    invitation = Invitation.objects.get(ticket=third)
    assert invitation.state == InvitationState.SUPPRESSED and "unsubscribed" in invitation.detail
