"""Closing the loop: the follow-up list, the close form (field errors, 409 when closed), recovery, permissions."""

import datetime as dt

import pytest

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.surveys import selectors, services
from heartdesk.surveys.choices import FollowUpState
from heartdesk.surveys.filters import FollowUpFilters
from heartdesk.surveys.models import FollowUp
from heartdesk.surveys.tests.answers import DAY, H, answered
from heartdesk.tickets.choices import Status
from heartdesk.tickets.tests.factories import MONDAY_10, contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(cast):
    return accounts.team_create(name="Desk", manager=cast[Role.SUPPORT_MANAGER], actor=None)


@pytest.fixture
def poor(cast, team):
    """A rating of 1 on a ticket of the Desk team: a follow-up for its manager, due a day after the answer."""
    answered(agent=cast[Role.AGENT], csat=1, nps=2, resolved=False, team=team, comment="Nobody answered.")
    return FollowUp.objects.get()


def close(follow_up, actor, when=MONDAY_10 + 5 * H):
    return services.follow_up_close(
        follow_up=follow_up, contacted_at=when, channel="phone", outcome="Apologised.", actor=actor, now=when + H
    )


def test_a_poor_answer_is_listed_as_open_then_overdue(poor, cast):
    manager = cast[Role.SUPPORT_MANAGER]
    assert poor.owner == manager
    before = selectors.follow_up_page(
        filters=FollowUpFilters(view="overdue"), user=manager, now=poor.due_at - H, cursor=None, size=10
    )
    after = selectors.follow_up_page(
        filters=FollowUpFilters(view="overdue"), user=manager, now=poor.due_at + H, cursor=None, size=10
    )
    assert before.items == [] and [f.pk for f in after.items] == [poor.pk] and after.items[0].overdue
    mine = selectors.follow_up_page(
        filters=FollowUpFilters(mine=True), user=cast[Role.ACCOUNT_MANAGER], now=poor.due_at, cursor=None, size=10
    )
    assert mine.items == []


def test_the_list_page_shows_the_follow_up_with_its_reasons(poor, web):
    html = web[Role.AGENT].get("/surveys/follow-ups/", {"view": "all"}).content.decode()
    assert poor.contact.email in html and "Rating of 2 or less" in html and "Recovery rate" in html


def test_a_manager_closes_it_from_the_page_and_reopens_the_ticket(poor, web, cast):
    page = web[Role.SUPPORT_MANAGER].get(f"/surveys/follow-ups/{poor.pk}/")
    assert page.status_code == 200 and b"Close follow-up" in page.content and b"Nobody answered." in page.content
    response = web[Role.SUPPORT_MANAGER].post(
        f"/surveys/follow-ups/{poor.pk}/",
        {
            "contacted_at": "2026-11-16T15:30",
            "contact_channel": "phone",
            "outcome": "Apologised, fixed it.",
            "reopen_ticket": "on",
        },
    )
    assert response.status_code == 302
    poor.refresh_from_db()
    assert poor.state == FollowUpState.CLOSED and poor.ticket_reopened and poor.closed_by == cast[Role.SUPPORT_MANAGER]
    assert poor.contacted_at == dt.datetime(2026, 11, 16, 15, 30, tzinfo=dt.UTC)  # TIME_ZONE is UTC in tests
    poor.ticket.refresh_from_db()
    assert poor.ticket.status == Status.OPEN


@pytest.mark.parametrize(
    ("form", "field_text"),
    [
        ({"contacted_at": "yesterday", "contact_channel": "phone", "outcome": "ok"}, "Enter a valid date/time"),
        ({"contacted_at": "2026-11-16T15:30", "contact_channel": "phone", "outcome": ""}, "This field is required"),
        ({"contacted_at": "2099-01-01T10:00", "contact_channel": "phone", "outcome": "ok"}, "in the future"),
        ({"contacted_at": "2026-11-16T15:30", "contact_channel": "", "outcome": "ok"}, "This field is required"),
    ],
)
def test_bad_input_shows_field_errors_and_changes_nothing(poor, web, form, field_text):
    response = web[Role.SUPPORT_MANAGER].post(f"/surveys/follow-ups/{poor.pk}/", form)
    assert response.status_code == 422 and field_text in response.content.decode()
    poor.refresh_from_db()
    assert poor.state == FollowUpState.OPEN and poor.outcome == ""


def test_closing_twice_says_it_is_already_closed(poor, web, cast):
    close(poor, cast[Role.SUPPORT_MANAGER])
    response = web[Role.ADMIN].post(
        f"/surveys/follow-ups/{poor.pk}/",
        {"contacted_at": "2026-11-16T15:30", "contact_channel": "email", "outcome": "Again"},
    )
    assert response.status_code == 409 and "already closed" in response.content.decode()
    poor.refresh_from_db()
    assert poor.outcome == "Apologised." and poor.closed_by == cast[Role.SUPPORT_MANAGER]


def test_an_agent_reads_the_follow_up_but_cannot_close_it(poor, web):
    page = web[Role.AGENT].get(f"/surveys/follow-ups/{poor.pk}/")
    assert page.status_code == 200 and b"Close follow-up" not in page.content
    response = web[Role.AGENT].post(
        f"/surveys/follow-ups/{poor.pk}/",
        {"contacted_at": "2026-11-16T15:30", "contact_channel": "phone", "outcome": "x"},
    )
    assert response.status_code == 403
    poor.refresh_from_db()
    assert poor.state == FollowUpState.OPEN


def test_an_unknown_follow_up_is_a_404(web):
    assert web[Role.SUPPORT_MANAGER].get("/surveys/follow-ups/999/").status_code == 404


def test_recovery_compares_later_answers_from_the_same_contact(cast, team):
    manager, agent = cast[Role.SUPPORT_MANAGER], cast[Role.AGENT]
    improved, worse, silent = (contact(email=f"{n}@customer.example") for n in ("improved", "worse", "silent"))
    for who in (improved, worse, silent):
        answered(agent=agent, csat=1, requester=who, team=team)
    for f in FollowUp.objects.all():
        close(f, manager)
    # Surveys to the same contact wait out the 7-day fatigue window.
    later = MONDAY_10 + 8 * DAY
    answered(agent=agent, csat=4, requester=improved, solved_at=later)
    answered(agent=agent, csat=1, nps=9, requester=worse, solved_at=later)  # nps was unanswered: not a rise
    outcomes = {
        f.contact.email: selectors.recovery_of(f)
        for f in selectors.follow_ups_queryset()
        if f.state == FollowUpState.CLOSED
    }
    assert outcomes == {
        "improved@customer.example": "improved",
        "worse@customer.example": "not_improved",
        "silent@customer.example": "no_answer",
    }
    summary = selectors.recovery()
    assert (summary.closed, summary.answered_again, summary.improved) == (3, 2, 1)
    assert (summary.rate.value, summary.rate.n) == (50.0, 2)


def test_no_closed_follow_ups_is_no_data(poor):
    rate = selectors.recovery().rate
    assert rate.value is None and rate.n == 0


def test_the_follow_ups_list_runs_a_fixed_number_of_queries(cast, team, web, django_assert_max_num_queries):
    for i in range(6):
        answered(agent=cast[Role.AGENT], csat=1, team=team, solved_at=MONDAY_10 + i * H)
    for f in FollowUp.objects.all()[:3]:
        close(f, cast[Role.SUPPORT_MANAGER], when=MONDAY_10 + 9 * H)
    with django_assert_max_num_queries(5):
        response = web[Role.SUPPORT_MANAGER].get("/surveys/follow-ups/", {"view": "all"})
    assert response.status_code == 200 and response.content.decode().count("Apologised") == 0
