"""Ticket services: creation with SLA due times, replies, statuses, escalation, links, RCA, FCR."""

import datetime as dt

import pytest

from heartdesk.accounts.choices import Role
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.tickets import escalation, rca, services
from heartdesk.tickets.choices import ClockState, EventKind, Level, Status, Target
from heartdesk.tickets.models import SlaClock, Ticket, TicketEvent
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def test_a_new_medium_ticket_gets_the_guide_000_due_times_in_business_hours():
    t = ticket(priority="p3")
    assert t.status == Status.NEW
    assert t.sla_policy.is_default
    assert t.first_response_due == MONDAY_10 + 4 * H  # 4 business hours: 14:00 the same day
    # 24 business hours from Monday 10:00 at 8 h a day: Wednesday 17:00 then 2 h Thursday -> Thursday 10:00
    assert t.resolution_due == dt.datetime(2026, 11, 19, 10, 0, tzinfo=dt.UTC)
    assert t.next_due_at == t.first_response_due
    assert TicketEvent.objects.filter(ticket=t, kind=EventKind.CREATED).exists()


def test_a_critical_ticket_counts_every_hour(cast):
    friday_night = dt.datetime(2026, 11, 20, 22, 0, tzinfo=dt.UTC)
    t = ticket(priority="p1", now=friday_night)
    assert t.first_response_due == friday_night + dt.timedelta(minutes=15)
    assert t.resolution_due == friday_night + 2 * H


def test_a_reply_meets_the_first_response_and_starts_the_next_update(cast):
    agent = cast[Role.AGENT]
    t = ticket(priority="p2")
    services.ticket_reply(ticket=t, body="Looking at it now.", actor=agent, now=MONDAY_10 + dt.timedelta(minutes=20))
    t.refresh_from_db()
    assert t.status == Status.OPEN
    assert t.assignee == agent
    assert t.first_response_at == MONDAY_10 + dt.timedelta(minutes=20)
    first = SlaClock.objects.get(ticket=t, target=Target.FIRST_RESPONSE)
    assert first.state == ClockState.FULFILLED
    assert t.next_update_due == MONDAY_10 + dt.timedelta(minutes=20) + 2 * H


def test_pending_pauses_the_resolution_clock_and_the_customer_reply_resumes_it(cast):
    agent = cast[Role.AGENT]
    c = contact()
    t = ticket(requester=c, priority="p2")  # resolution 4 business hours: due 14:00
    services.ticket_reply(ticket=t, body="Which model?", actor=agent, status=Status.PENDING, now=MONDAY_10 + H)
    t.refresh_from_db()
    assert t.status == Status.PENDING
    assert t.resolution_due is None  # paused
    services.ticket_customer_reply(ticket=t, contact=c, body="Model X", now=MONDAY_10 + 3 * H)
    t.refresh_from_db()
    assert t.status == Status.OPEN
    assert t.resolution_due == MONDAY_10 + 6 * H  # 1 h used before the pause, 3 h left from 13:00


def test_a_wrong_status_move_is_a_conflict_that_names_both_ends(cast):
    t = ticket()
    services.ticket_update(ticket=t, status=Status.SOLVED, actor=cast[Role.AGENT])
    services.ticket_update(ticket=t, status=Status.CLOSED, actor=cast[Role.AGENT])
    with pytest.raises(Conflict) as error:
        services.ticket_update(ticket=t, status=Status.OPEN, actor=cast[Role.AGENT])
    assert "closed" in error.value.message and error.value.field == "status"


def test_a_p1_cannot_be_closed_without_an_rca(cast):
    agent = cast[Role.AGENT]
    t = ticket(priority="p1")
    services.ticket_update(ticket=t, status=Status.SOLVED, actor=agent)
    with pytest.raises(Conflict) as error:
        services.ticket_update(ticket=t, status=Status.CLOSED, actor=agent)
    assert error.value.field == "rca"
    with pytest.raises(Invalid):
        rca.rca_save(ticket=t, summary="Disk full", category="capacity", actions=[], actor=agent)
    rca.rca_save(
        ticket=t,
        summary="Disk full",
        category="capacity",
        actions=[rca.ActionIn(description="Alert at 80%", owner=agent, due_date=dt.date(2026, 12, 1))],
        actor=agent,
    )
    services.ticket_update(ticket=t, status=Status.CLOSED, actor=agent)
    assert Ticket.objects.get(pk=t.pk).status == Status.CLOSED


def test_a_p2_recurring_three_times_in_30_days_needs_an_rca(cast):
    from heartdesk.customers import services as customers

    org = customers.organization_create(actor=None, name="Acme")
    c = contact(organization=org)
    for day in range(3):
        t = ticket(requester=c, priority="p2", category="login", now=MONDAY_10 + dt.timedelta(days=day))
    assert rca.rca_required(t)
    other = ticket(requester=contact("bob@x.example"), priority="p2", category="login")
    assert not rca.rca_required(other)


def test_escalation_raises_and_lowers_the_level_with_a_reason_and_keeps_the_history(cast):
    agent = cast[Role.AGENT]
    t = ticket()
    escalation.ticket_escalate(ticket=t, reason="Needs a specialist", actor=agent)
    escalation.ticket_escalate(ticket=t, to_level=Level.L3, reason="A bug", actor=agent)
    escalation.ticket_deescalate(ticket=t, reason="Workaround found", actor=agent)
    t.refresh_from_db()
    assert t.level == Level.L2
    assert [(e.from_level, e.to_level) for e in t.escalations.all()] == [("l1", "l2"), ("l2", "l3"), ("l3", "l2")]
    with pytest.raises(Invalid):
        escalation.ticket_escalate(ticket=t, reason="  ", actor=agent)


def test_first_contact_resolution_is_one_reply_and_no_reopen(cast):
    agent = cast[Role.AGENT]
    c = contact()
    t = ticket(requester=c)
    services.ticket_reply(ticket=t, body="Restart it.", actor=agent, status=Status.SOLVED, now=MONDAY_10 + H)
    t.refresh_from_db()
    assert t.first_contact_resolution is True
    services.ticket_customer_reply(ticket=t, contact=c, body="Still broken", now=MONDAY_10 + 2 * H)
    t.refresh_from_db()
    assert t.status == Status.OPEN and t.reopen_count == 1 and t.first_contact_resolution is False


def test_a_reply_after_the_reopen_window_opens_a_follow_up_ticket(cast, settings):
    settings.REOPEN_WINDOW_DAYS = 7
    agent = cast[Role.AGENT]
    c = contact()
    t = ticket(requester=c)
    services.ticket_reply(ticket=t, body="Done.", actor=agent, status=Status.SOLVED, now=MONDAY_10 + H)
    new, _ = services.ticket_customer_reply(ticket=t, contact=c, body="Again!", now=MONDAY_10 + dt.timedelta(days=8))
    assert new.pk != t.pk and new.follow_up_of_id == t.pk
    t.refresh_from_db()
    assert t.status == Status.SOLVED


def test_bad_input_names_the_field_and_writes_nothing(cast):
    before = Ticket.objects.count()
    with pytest.raises(Invalid) as error:
        services.ticket_create(subject=" ", requester=contact(), actor=cast[Role.AGENT])
    assert error.value.field == "subject"
    with pytest.raises(Invalid) as error:
        services.ticket_create(subject="x", requester=contact("b@x.example"), priority="p9", actor=cast[Role.AGENT])
    assert error.value.field == "priority"
    assert Ticket.objects.count() == before


def test_the_acknowledgement_states_the_expected_response_in_the_customers_time_zone():
    from heartdesk.messaging.models import OutboundEmail

    t = ticket(requester=contact(time_zone="Europe/Berlin"), priority="p3")  # due Monday 14:00 UTC
    ack = OutboundEmail.objects.get(ticket=t, key=f"ack:{t.pk}")
    assert "Monday 16 November 2026, 15:00 CET" in ack.body_text
    assert f"[{t.reference}]" in ack.subject
