"""The KPI engine against hand-computed fixtures made through the services; both paths must agree exactly."""

import datetime as dt

import pytest
from django.apps import apps

from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.reporting import selectors, targets
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.types import Dimension, Grain, Status
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.surveys.tests.answers import answered
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status as TicketStatus
from heartdesk.tickets.seed import seed as seed_sla
from heartdesk.tickets.tests.factories import contact, ticket

UTC = dt.UTC
MON = dt.datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # the period: Mon 16 – Sun 22 November 2026
H = dt.timedelta(hours=1)
NOW = dt.datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # FCR of November is final by then
WEEK = {"date_from": dt.date(2026, 11, 16), "date_to": dt.date(2026, 11, 22)}


@pytest.fixture(autouse=True)
def presets(db):
    seed_sla(apps)
    seed_survey(apps)


def both(filters: MetricsFilters, now=NOW):
    """metrics() (roll-ups where they answer) and metrics_from_scratch(), asserted equal; returns the first."""
    fast = selectors.metrics(filters, now=now)
    slow = selectors.metrics_from_scratch(filters, now=now)
    assert fast.figures == slow.figures
    return fast


def values(m, *keys):
    return tuple(m[k].value for k in keys)


@pytest.fixture
def desk(cast):
    """Five tickets around the week of Monday 16 November (UTC):
    T1 Mon 10:00, answered and solved 10:30 (FCR; 30 min).
    T2 Mon 10:00, answered 11:00, solved Wed 10:00 (exactly 48 h; one reply: FCR).
    T3 Mon 10:00, answered 11:00 and Tue 10:00 with solving (24 h; two replies: not FCR; the update was late).
    T4 Tue 09:00, a complaint, still open.
    T5 Sun 15 23:30, solved without a reply Mon 00:30 (created last week, solved this week)."""
    agent = cast[Role.AGENT]
    c = iter(contact(email=f"t{i}@customer.example") for i in range(5))
    t1 = ticket(requester=next(c), now=MON)
    tickets.ticket_reply(ticket=t1, body="Done.", actor=agent, status=TicketStatus.SOLVED, now=MON + H / 2)
    t2 = ticket(requester=next(c), now=MON)
    tickets.ticket_reply(ticket=t2, body="Looking.", actor=agent, now=MON + H)
    tickets.ticket_update(ticket=t2, status=TicketStatus.SOLVED, actor=agent, now=MON + 48 * H)
    t3 = ticket(requester=next(c), now=MON)
    tickets.ticket_reply(ticket=t3, body="Looking.", actor=agent, now=MON + H)
    tickets.ticket_reply(ticket=t3, body="Fixed.", actor=agent, status=TicketStatus.SOLVED, now=MON + 24 * H)
    t4 = ticket(requester=next(c), now=MON + 23 * H, type="complaint")
    t5 = ticket(requester=next(c), now=MON - 10 * H - H / 2)
    tickets.ticket_update(ticket=t5, status=TicketStatus.SOLVED, actor=agent, now=MON - 9 * H - H / 2)
    return {"agent": agent, "tickets": [t1, t2, t3, t4, t5]}


def test_ticket_kpis_match_the_hand_computed_week(desk):
    m = both(MetricsFilters(**WEEK))
    assert m.computed_from == "roll-ups"
    assert values(m, "tickets_created", "tickets_solved", "complaints", "backlog") == (4, 4, 1, 1)
    # resolution: 30 min, 48 h, 24 h, 1 h -> mean 18.375 h; median (rank 2 of 4) 1 h; p90 (rank 4) 48 h
    assert values(m, "resolution_time", "resolution_time_median", "resolution_time_p90") == (18.38, 1.0, 48.0)
    assert m["resolution_time"].n == 4
    assert m["resolved_48h"].value == 100.0  # exactly 48 h counts
    assert (m["fcr"].value, m["fcr"].n) == (75.0, 4)
    # first responses: 30, 60, 60 minutes
    assert values(m, "first_response_time", "first_response_time_median") == (0.83, 1.0)
    assert (m["sla_first_response"].value, m["sla_first_response"].n) == (100.0, 3)
    assert (m["sla_next_update"].value, m["sla_next_update"].n) == (0.0, 1)  # cancelled clocks excluded
    assert (m["sla_resolution"].value, m["sla_resolution"].n) == (100.0, 4)
    assert values(m, "reopen_rate", "escalation_rate") == (0.0, 0.0)
    assert m["csat"].value is None and m["csat"].n == 0 and m["csat"].status == Status.NONE
    # the previous week: T5 was created in it
    assert (m["tickets_created"].previous, m["tickets_solved"].previous) == (1, 0)
    assert m["backlog"].previous is None


def test_a_ticket_solved_after_local_midnight_counts_on_the_local_day(desk, settings):
    settings.TIME_ZONE = "America/New_York"  # UTC-5 in November: T5's Mon 00:30 UTC is Sun 19:30 there
    from heartdesk.reporting import rollups

    rollups.rebuild(dt.date(2026, 11, 1), dt.date(2026, 11, 30))  # the days moved: rebuild, as documented
    m = both(MetricsFilters(**WEEK))
    assert values(m, "tickets_created", "tickets_solved") == (4, 3)
    assert m["tickets_solved"].previous == 1


def test_fcr_waits_for_the_reopen_window_at_day_granularity(desk):
    # Solved: T1 and T5 on Mon 16, T3 on Tue 17, T2 on Wed 18. A day is final once day + 7 < today.
    m = both(MetricsFilters(**WEEK), now=dt.datetime(2026, 11, 25, 12, tzinfo=UTC))
    assert (m["fcr"].value, m["fcr"].n) == (66.7, 3)  # Mon 16 and Tue 17
    m = both(MetricsFilters(**WEEK), now=dt.datetime(2026, 11, 24, 12, tzinfo=UTC))
    assert (m["fcr"].value, m["fcr"].n) == (100.0, 2)  # Mon 16 only: T1 and T5
    m = both(MetricsFilters(**WEEK), now=dt.datetime(2026, 11, 23, 23, tzinfo=UTC))
    assert m["fcr"].value is None and m["fcr"].n == 0


def test_a_reopened_ticket_leaves_its_solved_day_and_counts_as_reopened_when_solved_again(desk):
    t1 = desk["tickets"][0]
    tickets.ticket_update(ticket=t1, status=TicketStatus.OPEN, actor=desk["agent"], now=MON + 3 * H)
    m = both(MetricsFilters(**WEEK))
    assert m["tickets_solved"].value == 3
    tickets.ticket_update(ticket=t1, status=TicketStatus.SOLVED, actor=desk["agent"], now=MON + 50 * H)
    m = both(MetricsFilters(**WEEK))
    assert m["tickets_solved"].value == 4
    assert m["reopen_rate"].value == 25.0
    assert m["fcr"].value == 50.0  # T1 is no longer first-contact


def test_targets_and_status_follow_the_stored_target(desk, cast):
    targets.kpi_target_set(key="fcr", value=80, actor=cast[Role.SUPPORT_MANAGER])
    m = both(MetricsFilters(**WEEK))
    assert (m["fcr"].target, m["fcr"].status) == (80.0, Status.AMBER)  # 75 misses 80 by ≤ 8
    assert (m["sla_resolution"].target, m["sla_resolution"].status) == (95.0, Status.GREEN)
    assert m["resolution_time"].status == Status.RED  # 18.38 h against < 4 h
    targets.kpi_target_reset(key="fcr", actor=cast[Role.SUPPORT_MANAGER])
    assert selectors.metrics(MetricsFilters(**WEEK), now=NOW)["fcr"].status == Status.GREEN  # 75 meets 75


@pytest.fixture
def survey_week(cast):
    agent = cast[Role.AGENT]
    # previous week: one very unhappy customer
    answered(agent=agent, csat=1, nps=0, solved_at=MON - 7 * 24 * H)
    # this week: ratings 5, 4, 3 and NPS 10, 9, 6, 7 (the last answered NPS only)
    answered(agent=agent, csat=5, nps=10, solved_at=MON)
    answered(agent=agent, csat=4, nps=9, solved_at=MON)
    answered(agent=agent, csat=3, nps=6, solved_at=MON)
    answered(agent=agent, nps=7, solved_at=MON)
    return agent


def test_survey_kpis_match_the_hand_computed_week(survey_week):
    m = both(MetricsFilters(**WEEK))
    assert (m["csat"].value, m["csat"].n) == (66.7, 3)  # 4 and 5 satisfied, 3 not
    assert (m["average_rating"].value, m["average_rating"].n) == (4.0, 3)
    assert (m["average_rating"].low, m["average_rating"].high) == (1.52, 6.48)  # 4 ± 4.303 / √3
    assert (m["nps"].value, m["nps"].n) == (25.0, 4)  # 2 promoters − 1 detractor of 4; 7 is passive
    assert (m["response_rate"].value, m["response_rate"].n) == (100.0, 4)
    assert (m["follow_up_closure"].value, m["follow_up_closure"].n) == (0.0, 1)  # NPS 6 opened one
    assert (m["csat"].previous, m["nps"].previous) == (0.0, -100.0)
    assert not m["csat"].significant  # 2/3 vs 0/1: too few to tell


def test_filters_on_one_dimension_read_the_roll_ups_and_several_count_the_facts(survey_week, desk):
    agent = desk["agent"]
    one = both(MetricsFilters(**WEEK, agent=agent.pk))
    assert one.computed_from == "roll-ups"
    two = both(MetricsFilters(**WEEK, agent=agent.pk, channel="email"))
    assert two.computed_from == "tickets and responses"
    assert one["nps"].value == two["nps"].value == 25.0
    other = both(MetricsFilters(**WEEK, agent=agent.pk + 999))
    assert other["tickets_created"].value == 0 and other["csat"].value is None


def test_the_trend_has_one_point_per_bucket_meeting_the_period(desk):
    filters = MetricsFilters(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 30))
    points = selectors.trend(filters, grain=Grain.WEEK, now=NOW, keys=("tickets_created", "tickets_solved"))
    assert [p.label for p in points] == [
        "Week of 2026-11-09",
        "Week of 2026-11-16",
        "Week of 2026-11-23",
        "Week of 2026-11-30",
    ]
    assert [p.figures["tickets_created"].value for p in points] == [1, 4, 0, 0]
    assert points == selectors.trend_from_scratch(
        filters, grain=Grain.WEEK, now=NOW, keys=("tickets_created", "tickets_solved")
    )
    months = selectors.trend(filters, grain=Grain.MONTH, now=NOW)
    assert [p.label for p in months] == ["November 2026"]
    assert months[0].figures["tickets_solved"].value == 4
    quarters = selectors.trend(
        MetricsFilters(date_from=dt.date(2026, 9, 30), date_to=dt.date(2026, 10, 1)), grain="quarter"
    )
    assert [p.label for p in quarters] == ["2026 Q3", "2026 Q4"]
    days = selectors.trend(MetricsFilters(**WEEK), grain=Grain.DAY, now=NOW, keys=("tickets_solved",))
    assert [p.label for p in days][:2] == ["2026-11-16", "2026-11-17"]
    assert [p.figures["tickets_solved"].value for p in days] == [2, 1, 1, 0, 0, 0, 0]


def test_the_breakdown_labels_rows_and_orders_them_by_volume(desk, survey_week, cast):
    rows = selectors.breakdown(MetricsFilters(**WEEK), by=Dimension.AGENT, now=NOW)
    assert rows == selectors.breakdown_from_scratch(MetricsFilters(**WEEK), by=Dimension.AGENT, now=NOW)
    agent = cast[Role.AGENT]
    assert [(r.key, r.label) for r in rows][0] == (str(agent.pk), "Agent")
    by_priority = selectors.breakdown(MetricsFilters(**WEEK), by=Dimension.PRIORITY, now=NOW)
    assert [r.label for r in by_priority] == ["P3 Medium"]
    by_team = selectors.breakdown(MetricsFilters(**WEEK), by=Dimension.TEAM, now=NOW)
    assert [r.label for r in by_team] == ["No team"]
    assert by_team[0].figures["tickets_created"].value == 8  # 4 of the desk + 4 answered this week
    assert by_team[0].figures["backlog"].value == 1
    by_channel = selectors.breakdown(MetricsFilters(**WEEK, channel="email"), by=Dimension.CHANNEL, now=NOW)
    assert [r.label for r in by_channel] == ["Email"]
    mixed = selectors.breakdown(MetricsFilters(**WEEK, channel="email"), by=Dimension.AGENT, now=NOW)
    assert mixed == selectors.breakdown_from_scratch(
        MetricsFilters(**WEEK, channel="email"), by=Dimension.AGENT, now=NOW
    )


def test_retention_counts_organizations_customer_at_the_start_and_still_at_the_end(db):
    since = dt.date(2025, 1, 1)
    customers.organization_create(actor=None, name="Stays", customer_since=since)
    customers.organization_create(
        actor=None, name="Leaves", customer_since=since, status="churned", churned_on=dt.date(2026, 11, 18)
    )
    customers.organization_create(actor=None, name="New", customer_since=dt.date(2026, 11, 17))
    customers.organization_create(
        actor=None, name="Gone", customer_since=since, status="churned", churned_on=dt.date(2026, 11, 16)
    )
    m = both(MetricsFilters(**WEEK))
    assert (m["retention"].value, m["retention"].n) == (50.0, 2)
    assert (m["retention"].previous, m["retention"].previous_n) == (100.0, 3)
