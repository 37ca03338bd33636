"""SLA clocks on real tickets against hand-computed cases; the sweep, promises, rules and quiet hours."""

import datetime as dt

import pytest

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.calendars.models import BusinessCalendar, CalendarClosure
from heartdesk.core import periodic
from heartdesk.core.models import PeriodicJob
from heartdesk.messaging.choices import NotificationKind
from heartdesk.messaging.models import Notification
from heartdesk.tickets import services
from heartdesk.tickets.choices import ClockEventKind, ClockState, Level, Status, Target
from heartdesk.tickets.models import EscalationRule, SlaClock, SlaPolicy, SlaTarget
from heartdesk.tickets.sla import sweep
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def berlin_policy():
    """Berlin office hours with a lunch break, German public holidays, and a custom closed afternoon."""
    calendar = BusinessCalendar.objects.create(
        name="Berlin",
        time_zone="Europe/Berlin",
        windows={str(d): [["09:00", "12:00"], ["13:00", "17:00"]] for d in range(5)},
        holiday_country="DE",
        holiday_subdivision="BE",
    )
    CalendarClosure.objects.create(calendar=calendar, date=dt.date(2026, 12, 23), starts=dt.time(12), ends=dt.time(17))
    SlaPolicy.objects.update(is_default=False)
    policy = SlaPolicy.objects.create(name="Berlin", calendar=calendar, is_default=True, position=1)
    SlaTarget.objects.create(policy=policy, priority="p3", first_response_minutes=240, resolution_minutes=960)
    SlaTarget.objects.create(policy=policy, priority="p2", first_response_minutes=60, resolution_minutes=240)
    return policy


# created (UTC), priority, first response due (UTC), resolution due (UTC) — each worked out by hand:
CASES = [
    # Mon 2026-11-16 10:00 Berlin (09:00 UTC): 2 h to lunch, 2 h after -> 15:00 Berlin = 14:00 UTC.
    # Resolution 16 h: Mon 10-12 (2) 13-17 (4) = 6, Tue 7 -> 13, Wed 09-12 = 3 -> 16 at Wed 12:00 Berlin = 11:00 UTC.
    (utc(2026, 11, 16, 9), "p3", utc(2026, 11, 16, 14), utc(2026, 11, 18, 11)),
    # Fri 2026-11-20 16:30 Berlin: 30 min Fri, 3.5 h Mon -> Mon 12:00 ends the morning: 09:00+3h=12:00 then 0.5 h
    # after lunch -> 13:30 Berlin = 12:30 UTC.
    (utc(2026, 11, 20, 15, 30), "p3", utc(2026, 11, 23, 12, 30), None),
    # Arrives Sat night: starts Mon 09:00 Berlin; 1 h -> 10:00 Berlin = 09:00 UTC.
    (utc(2026, 11, 21, 22), "p2", utc(2026, 11, 23, 9), None),
    # Tue 2026-12-22 16:00 Berlin, 4 h: Tue 1 h, Wed 23rd closes 12:00 (3 h) -> Wed 12:00 Berlin = 11:00 UTC.
    (utc(2026, 12, 22, 15), "p3", utc(2026, 12, 23, 11), None),
    # Wed 2026-12-23 11:30 Berlin, 4 h: 30 min, then Thu 24th (not a BE holiday) 09:00-12:00 = 3 h, 13:00-13:30
    # -> Thu 13:30 Berlin = 12:30 UTC.
    (utc(2026, 12, 23, 10, 30), "p3", utc(2026, 12, 24, 12, 30), None),
    # Thu 2026-12-24 16:00 Berlin, 1 h: 25th and 26th are holidays, 27th Sunday -> Mon 28th 10:00 = 09:00 UTC.
    (utc(2026, 12, 24, 16, 0), "p2", utc(2026, 12, 28, 9), None),
    # Daylight saving ends Sun 2026-10-25: Fri 23rd 16:00 Berlin (14:00 UTC) + 4 h -> 1 h Fri, 3 h Mon ->
    # Mon 26th 12:00 Berlin, now UTC+1 -> 11:00 UTC.
    (utc(2026, 10, 23, 14), "p3", utc(2026, 10, 26, 11), None),
]


@pytest.mark.parametrize(("created", "priority", "first_due", "resolution_due"), CASES)
def test_due_times_follow_the_business_calendar(berlin_policy, created, priority, first_due, resolution_due):
    t = ticket(priority=priority, now=created)
    assert t.sla_policy == berlin_policy
    assert t.first_response_due == first_due
    if resolution_due:
        assert t.resolution_due == resolution_due


def test_a_pause_and_resume_across_the_night_keeps_the_time_used(cast, berlin_policy):
    c = contact()
    t = ticket(requester=c, priority="p3", now=utc(2026, 11, 16, 9))  # Mon 10:00 Berlin, resolution 16 h
    agent = cast[Role.AGENT]
    # Reply and set pending Mon 11:00 Berlin: 1 h of resolution used.
    services.ticket_reply(ticket=t, body="Which model?", actor=agent, status=Status.PENDING, now=utc(2026, 11, 16, 10))
    # The customer answers Tue 20:00 Berlin (closed): the clock resumes at Wed 09:00 with 15 h left:
    # Wed 7 h, Thu 7 h (14), Fri 09:00-10:00 -> Fri 10:00 Berlin = 09:00 UTC.
    services.ticket_customer_reply(ticket=t, contact=c, body="Model X", now=utc(2026, 11, 17, 19))
    t.refresh_from_db()
    assert t.resolution_due == utc(2026, 11, 20, 9)
    clock = SlaClock.objects.get(ticket=t, target=Target.RESOLUTION)
    assert [e.kind for e in clock.events.all()] == ["started", "paused", "resumed"]
    assert clock.elapsed_seconds == 3600


def test_a_priority_change_mid_ticket_keeps_the_time_used_and_applies_the_new_target(cast, berlin_policy):
    t = ticket(priority="p3", now=utc(2026, 11, 16, 9))  # Mon 10:00 Berlin; P3 resolution 16 h
    # Raised to P2 (resolution 4 h) at Mon 11:00 Berlin with 1 h used: 3 h left -> 11-12, 13-15 -> 15:00 = 14:00 UTC.
    services.ticket_update(ticket=t, priority="p2", actor=cast[Role.AGENT], now=utc(2026, 11, 16, 10))
    t.refresh_from_db()
    assert t.resolution_due == utc(2026, 11, 16, 14)
    clock = SlaClock.objects.get(ticket=t, target=Target.RESOLUTION)
    assert clock.events.filter(kind=ClockEventKind.RECOMPUTED).exists()


def test_a_breach_is_recorded_once_and_met_late_stays_breached(cast):
    t = ticket(priority="p2")  # first response due Monday 11:00 UTC
    assert sweep.run(now=MONDAY_10 + 30 * M) == {"breached": 0, "at_risk": 0}
    assert sweep.run(now=MONDAY_10 + 50 * M)["at_risk"] == 1  # 75 % of 60 min
    t.refresh_from_db()
    assert t.at_risk
    assert sweep.run(now=MONDAY_10 + 61 * M)["breached"] == 1
    assert sweep.run(now=MONDAY_10 + 62 * M)["breached"] == 0
    t.refresh_from_db()
    assert t.breached and not t.at_risk
    services.ticket_reply(ticket=t, body="Sorry for the wait.", actor=cast[Role.AGENT], now=MONDAY_10 + 2 * H)
    clock = SlaClock.objects.get(ticket=t, target=Target.FIRST_RESPONSE)
    assert clock.state == ClockState.BREACHED and clock.breached_at == MONDAY_10 + H
    assert clock.events.filter(kind=ClockEventKind.BREACHED).count() == 1


def test_a_promise_reminds_the_agent_and_is_kept_by_the_next_reply(cast):
    agent = cast[Role.AGENT]
    t = ticket()
    services.ticket_reply(
        ticket=t, body="I will update you by 15:00.", actor=agent, promise_at=MONDAY_10 + 5 * H, now=MONDAY_10 + 10 * M
    )
    sweep.run(now=MONDAY_10 + 5 * H - 10 * M)  # within the 15-minute reminder window
    reminder = Notification.objects.get(user=agent, kind=NotificationKind.PROMISE_DUE)
    assert "15:00" in reminder.text
    services.ticket_reply(ticket=t, body="Update: fixed.", actor=agent, now=MONDAY_10 + 5 * H - 5 * M)
    promise = SlaClock.objects.get(ticket=t, target=Target.PROMISE)
    assert promise.state == ClockState.FULFILLED


def test_a_promise_not_kept_counts_as_broken(cast):
    agent = cast[Role.AGENT]
    t = ticket()
    services.ticket_reply(
        ticket=t, body="Back to you by 11:00.", actor=agent, promise_at=MONDAY_10 + H, now=MONDAY_10 + M
    )
    sweep.run(now=MONDAY_10 + H + M)
    promise = SlaClock.objects.get(ticket=t, target=Target.PROMISE)
    assert promise.state == ClockState.BREACHED
    assert t.events.filter(kind="sla", data__what="promise broken").exists()


def test_an_at_risk_rule_moves_the_ticket_to_another_team_and_tells_the_manager(cast):
    manager = cast[Role.SUPPORT_MANAGER]
    specialists = accounts.team_create(name="Specialists", manager=manager, actor=None)
    EscalationRule.objects.create(
        name="P1 at risk", trigger="at_risk", priorities=["p1"], raise_to=Level.L2, assign_team=specialists, position=1
    )
    t = ticket(priority="p1")  # first response 15 min, 24/7
    sweep.run(now=MONDAY_10 + 12 * M)
    t.refresh_from_db()
    assert t.level == Level.L2 and t.team == specialists
    assert Notification.objects.filter(user=manager, kind=NotificationKind.ESCALATED).exists()
    assert t.escalations.get().rule.name == "P1 at risk"


def test_a_breach_at_midnight_waits_for_business_hours_before_it_is_emailed(cast):
    agent = cast[Role.AGENT]
    t = ticket(priority="p3", now=dt.datetime(2026, 11, 16, 16, 0, tzinfo=dt.UTC))  # due 12:00 Tuesday
    services.ticket_update(ticket=t, assignee=agent, actor=agent, now=dt.datetime(2026, 11, 16, 16, 1, tzinfo=dt.UTC))
    midnight = dt.datetime(2026, 11, 18, 0, 0, tzinfo=dt.UTC)
    sweep.run(now=midnight)
    breach = Notification.objects.get(user=agent, kind=NotificationKind.BREACHED)
    assert breach.email_after == dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)  # Wednesday 09:00, not midnight


def test_periodic_jobs_are_enqueued_once_per_period_however_many_workers_tick():
    now = MONDAY_10
    first = periodic.tick(now=now)
    assert "sla_sweep" in first
    assert periodic.tick(now=now) == []  # a second worker at the same moment gets nothing
    assert "sla_sweep" in periodic.tick(now=now + dt.timedelta(seconds=31))
    assert PeriodicJob.objects.get(name="sla_sweep").last_run_at == now + dt.timedelta(seconds=31)


def test_a_breach_is_sent_to_subscribed_webhooks_once(cast):
    from heartdesk.webhooks import services as webhooks
    from heartdesk.webhooks.models import WebhookDelivery

    webhooks.webhook_create(
        name="Pager", url="https://example.org/hook", events=["ticket.sla_breached"], actor=cast[Role.ADMIN]
    )
    ticket(priority="p2")
    sweep.run(now=MONDAY_10 + 61 * M)
    sweep.run(now=MONDAY_10 + 62 * M)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "ticket.sla_breached"
    assert delivery.payload["target"] == "first_response"


def test_a_breach_and_its_escalation_reach_each_person_once_and_rewrite_the_ticket_once(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent, manager = cast[Role.AGENT], cast[Role.SUPPORT_MANAGER]
    team = accounts.team_create(name="Billing", manager=manager, actor=None)
    t = ticket(priority="p2")
    services.ticket_update(ticket=t, assignee=agent, team=team, actor=manager, now=MONDAY_10 + M)
    with CaptureQueriesContext(connection) as queries:
        assert sweep.run(now=MONDAY_10 + 61 * M)["breached"] == 1
    t.refresh_from_db()
    assert t.breached and not t.at_risk and t.level == Level.L2  # the seeded rule: raise one level on breach
    rewrites = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "tickets_ticket"')]
    assert len(rewrites) == 1, rewrites  # flags and level in one write of the row
    swept = Notification.objects.filter(created_at=MONDAY_10 + 61 * M)
    notice = swept.get(user=agent, ticket=t)
    assert notice.kind == NotificationKind.BREACHED
    assert notice.text == f"{t.reference}: First response SLA breached; escalated to Level 2"
    assert swept.get(user=manager, ticket=t).kind == NotificationKind.ESCALATED


def test_the_sweep_costs_the_same_queries_for_three_breaches_as_for_thirty(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent = cast[Role.AGENT]
    manager = cast[Role.SUPPORT_MANAGER]
    team = accounts.team_create(name="Billing", manager=manager, actor=None)

    def burst(count: int, start: dt.datetime) -> int:
        requester = contact(email=f"burst{count}@customer.example")
        for i in range(count):
            t = ticket(requester=requester, subject=f"b{count}-{i}", priority="p2", now=start)
            if i % 2:  # half assigned, half left to the team
                services.ticket_update(ticket=t, assignee=agent, team=team, actor=manager, now=start)
            else:
                services.ticket_update(ticket=t, team=team, actor=manager, now=start)
        with CaptureQueriesContext(connection) as queries:
            assert sweep.run(now=start + 61 * M)["breached"] == count
        return len(queries)

    assert burst(30, MONDAY_10 + 2 * H) == burst(3, MONDAY_10)
