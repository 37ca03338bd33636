"""The roll-ups give exactly what counting the facts gives, after any sequence of events done through the services."""

import datetime as dt
import io
import itertools

import pytest
from django.apps import apps
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.reporting import rollups, selectors
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.models import DailyFigures, DirtyDay
from heartdesk.reporting.types import Dimension, Grain
from heartdesk.surveys import services as surveys
from heartdesk.surveys.models import Invitation
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.tickets import escalation
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Status
from heartdesk.tickets.models import Ticket
from heartdesk.tickets.seed import seed as seed_sla

START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)
WINDOW = {"date_from": dt.date(2026, 11, 2), "date_to": dt.date(2026, 12, 20)}
_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def presets(db):
    seed_sla(apps)
    seed_survey(apps)


@pytest.fixture
def world(cast):
    """Two agents, two teams, two organizations in two segments and tiers, and their contacts."""
    seg = [customers.segment_save(actor=None, name=n) for n in ("SMB", "Enterprise")]
    tier = [customers.tier_save(actor=None, name=n, rank=i) for i, n in enumerate(("Silver", "Gold"))]
    orgs = [customers.organization_create(actor=None, name=f"Org {i}", segment=seg[i], tier=tier[i]) for i in range(2)]
    contacts = [
        customers.contact_create(actor=None, email="solo@customer.example", first_name="Solo", tier=tier[1]),
        customers.contact_create(actor=None, email="a@org0.example", organization=orgs[0]),
        customers.contact_create(actor=None, email="b@org1.example", organization=orgs[1], segment=seg[0]),
    ]
    agents = [cast[Role.AGENT], cast[Role.SPECIALIST]]
    teams = [accounts.team_create(name=n, actor=None) for n in ("Alpha", "Beta")]
    return {"segments": seg, "tiers": tier, "orgs": orgs, "contacts": contacts, "agents": agents, "teams": teams}


def filter_cases(w) -> list[dict]:
    return [
        {},
        {"agent": w["agents"][0].pk},
        {"team": w["teams"][1].pk},
        {"channel": "email"},
        {"priority": "p2"},
        {"organization": w["orgs"][0].pk},
        {"segment": w["segments"][0].pk},
        {"tier": w["tiers"][1].pk},
        {"agent": w["agents"][1].pk, "channel": "phone"},
        {"team": w["teams"][0].pk, "agent": w["agents"][0].pk},  # the team × agent pair series
    ]


def assert_paths_agree(w, **window):
    window = window or WINDOW
    for case in filter_cases(w):
        filters = MetricsFilters(**window, **case)
        fast, slow = selectors.metrics(filters, now=NOW), selectors.metrics_from_scratch(filters, now=NOW)
        assert fast.figures == slow.figures, case
    filters = MetricsFilters(**window)
    assert selectors.trend(filters, grain=Grain.WEEK, now=NOW) == selectors.trend_from_scratch(
        filters, grain=Grain.WEEK, now=NOW
    )
    for by in (Dimension.TEAM, Dimension.TIER, Dimension.SEGMENT, Dimension.ORGANIZATION):
        assert selectors.breakdown(filters, by=by, now=NOW) == selectors.breakdown_from_scratch(filters, by=by, now=NOW)
    for team in w["teams"]:  # a team's agents (the drill-down) and an agent's teams, from the pair series
        in_team = MetricsFilters(**window, team=team.pk)
        assert selectors.breakdown(in_team, by=Dimension.AGENT, now=NOW) == selectors.breakdown_from_scratch(
            in_team, by=Dimension.AGENT, now=NOW
        )
    for agent in w["agents"]:
        of_agent = MetricsFilters(**window, agent=agent.pk)
        assert selectors.breakdown(of_agent, by=Dimension.TEAM, now=NOW) == selectors.breakdown_from_scratch(
            of_agent, by=Dimension.TEAM, now=NOW
        )
    assert not DirtyDay.objects.filter(day__gte=window["date_from"] - dt.timedelta(days=60)).exists()


# --- Events done through the services ---------------------------------------------------------------------------

events = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.integers(0, 2),  # contact
            st.sampled_from(["email", "web", "phone"]),
            st.sampled_from(["p1", "p2", "p3"]),
            st.integers(0, 2),  # team: Alpha, Beta, none
            st.booleans(),  # complaint
        ),
        st.tuples(st.just("reply"), st.integers(0, 30), st.integers(0, 1), st.booleans()),  # ticket, agent, solve
        st.tuples(st.just("solve"), st.integers(0, 30)),
        st.tuples(st.just("reopen"), st.integers(0, 30)),
        st.tuples(st.just("customer"), st.integers(0, 30)),
        st.tuples(st.just("assign"), st.integers(0, 30), st.integers(0, 1), st.integers(0, 2)),
        st.tuples(st.just("escalate"), st.integers(0, 30)),
        st.tuples(st.just("answer"), st.integers(1, 5), st.integers(0, 10)),
        st.tuples(st.just("org"), st.integers(0, 1), st.integers(0, 1)),
        st.tuples(st.just("refresh")),  # the periodic job runs: later changes must mark what they move
    ),
    min_size=1,
    max_size=14,
)
gaps = st.lists(st.integers(1, 3 * 24 * 60), min_size=14, max_size=14)  # minutes between events


def _play(w, steps, minutes, made: list, clock: list) -> None:
    agents, teams = w["agents"], w["teams"]
    for step, gap in zip(steps, minutes, strict=False):
        clock[0] += dt.timedelta(minutes=gap)
        now = clock[0]
        kind, *args = step
        if kind == "create":
            c, channel, priority, team, complaint = args
            made.append(
                tickets.ticket_create(
                    subject="Help",
                    body="Please.",
                    requester=w["contacts"][c],
                    channel=channel,
                    priority=priority,
                    team=teams[team] if team < 2 else None,
                    type="complaint" if complaint else "question",
                    actor=agents[0] if channel == "phone" else None,
                    now=now,
                )
            )
            continue
        if kind == "answer":
            _answer(w, made, now, *args)
            continue
        if kind == "refresh":
            rollups.refresh_dirty()
            continue
        if kind == "org":
            org, i = args
            customers.organization_update(organization=w["orgs"][org], actor=None, tier=w["tiers"][i])
            continue
        if not made:
            continue
        t = Ticket.objects.get(pk=made[args[0] % len(made)].pk)
        if kind == "reply" and t.status != Status.CLOSED:
            status = Status.SOLVED if args[2] and t.status != Status.SOLVED else None
            tickets.ticket_reply(ticket=t, body="On it.", actor=agents[args[1]], status=status, now=now)
        elif kind == "solve" and t.is_open:
            tickets.ticket_update(ticket=t, status=Status.SOLVED, actor=agents[0], now=now)
        elif kind == "reopen" and t.status == Status.SOLVED:
            tickets.ticket_update(ticket=t, status=Status.OPEN, actor=agents[0], now=now)
        elif kind == "customer" and t.requester_id:
            tickets.ticket_customer_reply(ticket=t, contact=t.requester, body="Still broken.", now=now)
        elif kind == "assign" and t.status != Status.CLOSED:
            tickets.ticket_update(
                ticket=t,
                assignee=agents[args[1]],
                team=teams[args[2]] if args[2] < 2 else None,
                actor=agents[0],
                now=now,
            )
        elif kind == "escalate" and t.level != "executive":
            escalation.ticket_escalate(ticket=t, reason="Needs an expert.", actor=agents[0], now=now)


def _answer(w, made, now, csat, nps) -> None:
    """The survey of the most recent solved ticket with one waiting, sent and answered as a customer would."""
    surveys.send_due(now=now)
    invitation = Invitation.objects.filter(state__in=["sent", "opened"], ticket__isnull=False).order_by("-id").first()
    if invitation is None:
        return
    surveys.response_record(invitation=invitation, answers={1: csat, 4: nps}, source="api", partial=True, now=now)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=events, minutes=gaps)
def test_roll_ups_equal_counting_the_facts_after_any_events(world, steps, minutes):
    made, clock = [], [START + dt.timedelta(days=next(_emails) % 20)]
    _play(world, steps, minutes, made, clock)
    assert_paths_agree(world)


# --- Marking, rebuilding and the bulk writers -----------------------------------------------------------------


def _busy_week(w) -> list[Ticket]:
    made = []
    steps = [
        ("create", 1, "email", "p2", 0, False),
        ("create", 2, "phone", "p1", 1, True),
        ("create", 0, "web", "p3", 2, False),
        ("reply", 0, 0, True),
        ("reply", 1, 1, False),
        ("solve", 1),
        ("customer", 0),
        ("reply", 0, 1, True),
        ("answer", 5, 10),
        ("answer", 2, 3),
        ("escalate", 2),
    ]
    _play(w, steps, [90] * len(steps), made, [START])
    return made


def test_a_bulk_update_needs_its_mark_and_then_the_read_is_exact_again(world):
    made = _busy_week(world)
    assert_paths_agree(world)
    Ticket.objects.filter(pk=made[0].pk).update(team=world["teams"][1])  # as the sweep's escalation does
    team = MetricsFilters(**WINDOW, team=world["teams"][1].pk)
    assert selectors.metrics(team, now=NOW).figures != selectors.metrics_from_scratch(team, now=NOW).figures
    days = rollups.mark_tickets_dirty([made[0].pk])
    assert dt.date(2026, 11, 2) in days
    assert_paths_agree(world)


def test_contact_and_organization_changes_move_their_tickets_between_tiers(world):
    _busy_week(world)
    customers.contact_update(contact=world["contacts"][0], actor=None, tier=world["tiers"][0])
    customers.organization_update(organization=world["orgs"][1], actor=None, tier=world["tiers"][0])
    assert DirtyDay.objects.exists()
    assert_paths_agree(world)


def test_the_periodic_job_rebuilds_dirty_days_and_reads_need_not(world, django_assert_max_num_queries):
    _busy_week(world)
    assert DirtyDay.objects.exists()
    assert rollups.refresh_dirty() >= 1
    assert not DirtyDay.objects.exists()
    filters = MetricsFilters(**WINDOW, team=world["teams"][0].pk)
    # refresh check, the days' counts, the two periods' histograms, targets, retention, backlog
    with django_assert_max_num_queries(7):
        selectors.metrics(filters, now=NOW)
    with django_assert_max_num_queries(9):
        selectors.overview(MetricsFilters(**WINDOW), now=NOW)


def test_rebuild_metrics_rebuilds_every_day_from_scratch(world):
    _busy_week(world)
    rollups.refresh_dirty()
    before = sorted(DailyFigures.objects.values_list("day", "dimension", "key", "created", "solved", "res_hist"))
    DailyFigures.objects.all().delete()
    call_command("rebuild-metrics", stdout=io.StringIO())
    after = sorted(DailyFigures.objects.values_list("day", "dimension", "key", "created", "solved", "res_hist"))
    assert after == before and after
    out = io.StringIO()
    call_command("rebuild-metrics", "--days", "3", stdout=out)
    assert "Rebuilt 3 days" in out.getvalue()
    assert_paths_agree(world)


def test_a_day_marked_dirty_by_hand_is_rebuilt_before_it_is_read(world):
    _busy_week(world)
    rollups.refresh_dirty()
    DailyFigures.objects.filter(dimension="all").update(created=999)  # wrong on purpose
    rollups.mark_days_dirty([dt.date(2026, 11, 2)])
    m = selectors.metrics(MetricsFilters(**WINDOW), now=NOW)
    assert m["tickets_created"].value == 3


def test_moving_a_ticket_to_another_team_moves_its_clocks_and_answers_of_other_days(world):
    made = []
    steps = [
        ("create", 1, "email", "p3", 0, False),
        ("reply", 0, 0, False),  # day 1: first response met, next update starts
        ("reply", 0, 0, False),  # day 3: the update stops (on a day none of the ticket's own times is on)
        ("solve", 0),  # day 5
        ("answer", 4, 9),  # day 7
    ]
    clock = [START]
    _play(world, steps, [60, 60] + [2 * 24 * 60] * 3, made, clock)
    rollups.refresh_dirty()
    _play(world, [("assign", 0, 1, 1)], [2 * 24 * 60], made, clock)  # day 9: to Beta
    assert_paths_agree(world)
    beta = selectors.metrics(MetricsFilters(**WINDOW, team=world["teams"][1].pk), now=NOW)
    assert (beta["tickets_created"].value, beta["sla_next_update"].n) == (1, 1)  # the day-3 clock moved too
