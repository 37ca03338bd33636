"""The executive dashboard and the KPI targets page: who may open them, that they print the engine's own figures,
filters that fail beside their field, the team/agent drill-down, themes, customers at risk, and the query count."""

import datetime as dt
import json
import re

import pytest
from django.apps import apps
from django.urls import reverse

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.reporting import dashboard as board
from heartdesk.reporting import selectors, targets
from heartdesk.reporting.catalogue import BY_KEY
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.models import KpiTarget
from heartdesk.reporting.views import parse_filters
from heartdesk.surveys import theme_services
from heartdesk.surveys.models import Theme
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.surveys.tests.answers import H, answered
from heartdesk.tickets.seed import seed as seed_sla
from heartdesk.tickets.sla import sweep
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
WEEK = {"date_from": "2026-11-16", "date_to": "2026-11-22"}  # Monday 16 – Sunday 22 November 2026
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def presets(db):
    seed_sla(apps)
    seed_survey(apps)


@pytest.fixture
def desk(cast):
    """Two teams, two agents, two organizations, a week of answers and one SLA breach.

    Acme: two poor answers (CSAT 1 with NPS 2 and CSAT 2), each opening a follow-up, and a ticket left to breach.
    Globex: one happy answer (CSAT 5, NPS 10) and one poor one (NPS 5, which opens a follow-up too).
    """
    admin = cast[Role.ADMIN]
    billing = accounts.team_create(name="Billing", actor=admin)
    platform = accounts.team_create(name="Platform", actor=admin)
    ann = accounts.user_create(username="ann", role=Role.AGENT, first_name="Ann", last_name="Agent", actor=None)
    bob = accounts.user_create(username="bob", role=Role.AGENT, first_name="Bob", last_name="Builder", actor=None)
    acme = customers.organization_create(name="Acme", actor=None)
    globex = customers.organization_create(name="Globex", actor=None)
    a1 = contact(email="a1@acme.example", organization=acme)
    a2 = contact(email="a2@acme.example", organization=acme)
    g1 = contact(email="g1@globex.example", organization=globex)
    g2 = contact(email="g2@globex.example", organization=globex)
    answered(agent=ann, team=billing, requester=a1, csat=1, nps=2, comment="The invoice was wrong", solved_at=MONDAY_10)
    answered(agent=ann, team=billing, requester=a2, csat=2, solved_at=MONDAY_10 + H)
    answered(agent=bob, team=platform, requester=g1, csat=5, nps=10, solved_at=MONDAY_10 + 2 * H)
    answered(agent=bob, team=platform, requester=g2, csat=4, nps=5, solved_at=MONDAY_10 + 3 * H)
    late = ticket(requester=a1, team=billing, now=MONDAY_10 + DAY)
    sweep.run(now=MONDAY_10 + 6 * DAY)  # no reply for five days: its first response target breached
    late.refresh_from_db()
    assert late.breached
    return {"billing": billing, "platform": platform, "ann": ann, "bob": bob, "acme": acme, "globex": globex}


def html(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def data_value(page: str, key: str) -> str:
    return re.search(rf'id="tile-{key}" data-key="{key}" data-value="([^"]*)"', page).group(1)


# --- Who may open it ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AGENT, 403),
        (Role.SPECIALIST, 403),
        (Role.ENGINEER, 403),
        (Role.ACCOUNT_MANAGER, 200),
        (Role.SUPPORT_MANAGER, 200),
        (Role.EXECUTIVE, 200),
        (Role.ADMIN, 200),
    ],
)
def test_the_dashboard_is_for_managers_and_executives_only(web, role, status):
    assert web[role].get(URL).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.AGENT, 403),
        (Role.EXECUTIVE, 403),
        (Role.ACCOUNT_MANAGER, 403),
        (Role.SUPPORT_MANAGER, 200),
        (Role.ADMIN, 200),
    ],
)
def test_only_those_who_manage_metrics_open_the_targets_page(web, role, status):
    assert web[role].get(reverse("reporting:targets")).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navigation_shows_the_dashboard_to_those_who_may_open_it(web):
    assert 'href="/dashboard/"' in html(web[Role.EXECUTIVE].get("/customers/"))
    assert 'href="/dashboard/"' not in html(web[Role.AGENT].get("/customers/"))


def test_the_targets_link_shows_only_to_those_who_may_change_targets(web):
    assert 'href="/dashboard/targets/"' in html(web[Role.SUPPORT_MANAGER].get(URL))
    assert 'href="/dashboard/targets/"' not in html(web[Role.EXECUTIVE].get(URL))


# --- The figures ------------------------------------------------------------------------------------------------


def test_the_gauge_and_every_tile_print_the_engines_figures(web, desk):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, WEEK))
    m = selectors.metrics(MetricsFilters(**WEEK))
    csat = m["csat"]
    assert (csat.value, csat.n) == (50.0, 4)  # 4 and 5 of 1, 2, 5, 4
    assert board.csat_text(csat) in page and f"(n = 4, {csat.low:.1f}–{csat.high:.1f})" in page
    for key, figure in m.figures.items():
        expected = "" if figure.value is None else repr(float(figure.value))
        assert data_value(page, key) == expected, key
        if key != "csat":
            tile = page[page.index(f'id="tile-{key}"') :]
            tile = tile[: tile.index("</article>")]
            assert board.number(figure.value, BY_KEY[key].unit) in tile
            assert f"n = {figure.n}" in tile


def test_the_chart_data_is_the_same_figures(web, desk):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, {**WEEK, "grain": "day"}))
    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S)[1])
    filters = MetricsFilters(**WEEK, grain="day")
    assert data["gauge"]["value"] == selectors.metrics(filters)["csat"].value
    assert [b["label"] for b in data["gauge"]["bands"]] == ["Poor", "Good", "Excellent"]
    points = selectors.trend(filters, keys=("csat", "tickets_created"))
    charts = {c["id"]: c for c in data["charts"]}
    assert set(charts) == {"satisfaction", "resolution", "volume"}
    csat_series = next(s for s in charts["satisfaction"]["series"] if s["key"] == "csat")
    assert csat_series["values"] == [p.figures["csat"].value for p in points]
    assert len(charts["volume"]["labels"]) == 7 and charts["volume"]["periods"][0] == "2026-11-16"
    # every chart has its data as a table too (no JavaScript, screen readers)
    for chart_id in charts:
        assert f'id="trend-{chart_id}"' in page
    assert page.count('<details class="chart-data" open>') == 3


def test_an_empty_period_says_no_data_never_zero(web, desk):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, {"date_from": "2026-06-01", "date_to": "2026-06-07"}))
    assert 'id="csat-figure">no data (n = 0)</p>' in page
    assert data_value(page, "nps") == ""
    assert "No data in this period." in page


def test_a_significant_change_gets_an_arrow_and_an_insignificant_one_none():
    from heartdesk.reporting.types import Figure, Status

    up = board.tile(Figure("fcr", 80.0, 400, target=75.0, status=Status.GREEN, previous=60.0, significant=True))
    assert (up.arrow, up.direction, up.change_text) == ("▲", "better", "+20.0 points vs previous period")
    flat = board.tile(Figure("resolution_time", 5.0, 3, target=4.0, status=Status.RED, previous=4.0))
    assert (flat.arrow, flat.change_text, flat.target_text) == ("", "+1.0 h vs previous period", "Target ≤ 4.0 h")
    none = board.tile(Figure("nps", None, 0))
    assert (none.value_text, none.change_text, none.status) == ("no data", "", "none")


# --- Filters ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"team": "billing"}, "team", "valid integer"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-10"}, "date_to", "date_to is before date_from"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-10"}, "date_to", "longer than"),
        ({"date_from": "yesterday"}, "date_from", "valid date"),
        ({"channel": "fax"}, "channel", "email"),
        ({"grain": "hour"}, "grain", "day"),
        ({"days": "7"}, "days", "30, 90 or 365"),
    ],
)
def test_a_bad_filter_is_named_beside_its_field_and_the_page_still_shows(web, params, field, words):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, params))
    error = re.search(rf'<span class="field-error" id="e-{field}">([^<]*)</span>', page) or re.search(
        rf'<li><a href="#f-{field}">{field}</a>: ([^<]*)</li>', page
    )
    assert error and words in error[1], page[page.find("filter-errors") - 200 :][:800]
    assert 'role="alert" id="filter-errors"' in page
    assert 'id="csat-figure"' in page  # the dashboard itself, with the other filters


def test_the_good_filters_still_apply_beside_a_bad_one(desk):
    filters, errors, _ = parse_filters({"team": str(desk["billing"].pk), "agent": "x", **WEEK})
    assert filters.team == desk["billing"].pk and filters.agent is None and set(errors) == {"agent"}
    assert (filters.date_from, filters.date_to) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))


def test_a_period_preset_ends_today_and_wins_over_the_dates(web):
    from heartdesk.core.periods import local_today as today

    filters, errors, preset = parse_filters({"days": "30", **WEEK})
    assert not errors and preset == 30
    assert (filters.date_from, filters.date_to) == (today() - dt.timedelta(days=29), today())
    page = html(web[Role.SUPPORT_MANAGER].get(URL, {"days": "365"}))
    assert 'value="365" aria-pressed="true"' in page
    assert parse_filters({})[2] == 90  # the default period is the 90-day preset


def test_htmx_gets_the_body_alone_with_its_chart_data(web, desk):
    response = web[Role.SUPPORT_MANAGER].get(URL, WEEK, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-body")
    page = html(response)
    assert "<html" not in page and 'id="dashboard-filters"' in page and 'id="dashboard-data"' in page
    full = html(web[Role.SUPPORT_MANAGER].get(URL, WEEK))
    assert '<div id="dashboard-body"' in full and "vendor/chartjs/chart.umd.min.js" in full


# --- Drill-down -------------------------------------------------------------------------------------------------


def test_each_team_and_agent_row_links_to_the_dashboard_for_it(web, desk):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, WEEK))
    team_table = page[page.index('id="by-team"') : page.index('id="by-agent"')]
    billing = desk["billing"].pk
    link = re.search(rf'<a href="\?([^"]*team={billing}[^"]*)"[^>]*>Billing</a>', team_table)
    assert link and "date_from=2026-11-16" in link[1] and "date_to=2026-11-22" in link[1]
    assert re.search(r">Platform</a>", team_table)

    drilled = html(web[Role.SUPPORT_MANAGER].get(URL + "?" + link[1].replace("&amp;", "&")))
    assert "<strong>Billing</strong>" in drilled  # the trail names the team, with a way back
    agent_table = drilled[drilled.index('id="by-agent"') :]
    agent_table = agent_table[: agent_table.index("</table>")]
    ann = desk["ann"].pk
    ann_link = re.search(r'<a href="\?([^"]*)"[^>]*>Ann Agent</a>', agent_table)
    assert ann_link and {f"team={billing}", f"agent={ann}"} <= set(ann_link[1].split("&amp;"))
    assert "Bob Builder" not in agent_table  # Bob works in Platform
    m = selectors.metrics(MetricsFilters(**WEEK, team=billing))
    assert board.csat_text(m["csat"]) in drilled and m["csat"].n == 2


def test_customers_at_risk_ranks_organizations_by_poor_signals_in_two_queries(desk, django_assert_num_queries):
    filters = MetricsFilters(**WEEK)
    with django_assert_num_queries(2):
        rows = board.customers_at_risk(filters, now=MONDAY_10 + 6 * DAY)
    assert [(r.name, r.poor_answers, r.open_follow_ups, r.breached_tickets) for r in rows] == [
        ("Acme", 2, 2, 1),
        ("Globex", 1, 1, 0),
    ]
    assert rows[0].overdue_follow_ups == 2  # due a day after the answer, still open five days on
    assert board.customers_at_risk(MetricsFilters(**WEEK, team=desk["platform"].pk))[0].name == "Globex"
    assert board.customers_at_risk(MetricsFilters(date_from="2026-10-01", date_to="2026-10-07")) == []


def test_customers_at_risk_link_to_the_organization_page(web, desk):
    page = html(web[Role.SUPPORT_MANAGER].get(URL, WEEK))
    table = page[page.index('id="at-risk"') :]
    acme = reverse("customers:organization", args=[desk["acme"].pk])
    assert f'<a href="{acme}">Acme</a>' in table
    assert f"organization={desk['acme'].pk}" in table


def test_top_feedback_themes_count_this_period_against_the_last(web, cast, desk):
    admin = cast[Role.ADMIN]
    for theme in Theme.objects.all():
        theme_services.theme_delete(theme=theme, actor=admin)
    theme_services.theme_create(key="billing", label="Billing", keywords=["invoice*"], actor=admin)
    answered(agent=desk["ann"], csat=3, comment="Another invoice problem", solved_at=MONDAY_10 + 4 * H)
    answered(agent=desk["ann"], csat=3, comment="invoices again", solved_at=MONDAY_10 - 7 * DAY)
    page = html(web[Role.SUPPORT_MANAGER].get(URL, WEEK))
    table = page[page.index('id="themes"') :]
    row = re.search(r">Billing</a></th>\s*<td>(\d+)</td><td>(\d+)</td>", table)
    assert row and row.groups() == ("2", "1")  # this week: Acme's answer and the new one; last week: one


# --- The query count --------------------------------------------------------------------------------------------


def test_the_dashboard_costs_a_fixed_number_of_queries(web, desk, django_assert_max_num_queries):
    client = web[Role.SUPPORT_MANAGER]
    client.get(URL, WEEK)  # the first read rebuilds the dirty roll-up days; later reads only read them
    with django_assert_max_num_queries(30) as first:
        html(client.get(URL, WEEK))
    baseline = len(first)
    for i in range(3):  # more customers, answers and teams: the same count
        org = customers.organization_create(name=f"Initech {i}", actor=None)
        team = accounts.team_create(name=f"Team {i}", actor=None)
        answered(
            agent=desk["bob"],
            team=team,
            csat=1,
            requester=contact(email=f"x{i}@initech.example", organization=org),
            solved_at=MONDAY_10 + 5 * H,
        )
    client.get(URL, WEEK)
    with django_assert_max_num_queries(baseline):
        html(client.get(URL, WEEK))


# --- KPI targets ------------------------------------------------------------------------------------------------


def test_the_targets_page_lists_each_kpi_with_its_default_and_current_target(web, cast):
    targets.kpi_target_set(key="fcr", value=80, actor=cast[Role.ADMIN])
    page = html(web[Role.SUPPORT_MANAGER].get(reverse("reporting:targets")))
    row = page[page.index('for="id_target_fcr"') :]
    row = row[: row.index("</tr>")]
    assert "75.0 %" in row and "80.0 %" in row and 'value="80.0"' in row and "changed" in row
    assert page.count("<tr") == len(BY_KEY) + 1


def test_saving_targets_sets_changed_ones_and_resets_emptied_ones(web, cast):
    targets.kpi_target_set(key="nps", value=40, actor=cast[Role.ADMIN])
    current = targets.current_targets()
    post = {f"target_{k}": "" if v is None else str(v) for k, v in current.items()}
    post["target_csat"] = "85"
    post["target_nps"] = ""  # back to the guides' 50
    response = web[Role.SUPPORT_MANAGER].post(reverse("reporting:targets"), post)
    assert response.status_code == 302
    now = targets.current_targets()
    assert (now["csat"], now["nps"]) == (85.0, 50.0)
    assert set(KpiTarget.objects.values_list("key", flat=True)) == {"csat"}
    assert KpiTarget.objects.get().updated_by == cast[Role.SUPPORT_MANAGER]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [("csat", "150", "between 0% and 100%"), ("average_rating", "9", "between 1"), ("fcr", "lots", "Enter a number")],
)
def test_a_bad_target_is_refused_beside_its_field_and_nothing_is_saved(web, key, value, words):
    post = {f"target_{k}": "" if v is None else str(v) for k, v in targets.current_targets().items()}
    post["target_resolution_time"] = "6"  # a good change in the same post
    post[f"target_{key}"] = value
    response = web[Role.SUPPORT_MANAGER].post(reverse("reporting:targets"), post)
    assert response.status_code == 422
    page = response.content.decode()
    error = re.search(rf'<span class="field-error" id="id_target_{key}-error">([^<]*)</span>', page)
    assert error and words in error[1], error
    assert f'value="{value}"' in page  # what was typed stays, to correct it
    assert not KpiTarget.objects.exists()  # the good change was rolled back with it


def test_every_charted_figure_is_in_the_trend_the_api_returns():
    from heartdesk.reporting.views import TREND_CHARTS

    charted = {key for *_, keys in TREND_CHARTS for key in keys}
    assert charted <= set(selectors.TREND_KEYS)
