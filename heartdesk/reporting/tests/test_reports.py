"""Manager reports: periods, the classification rules, and a report built over a hand-made week of answers and
breaches (through the product's services): who is consistently high, who needs support, who has too few answers,
the root causes of low ratings and the breaches; the pages and the API, per role and on bad input."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.core.errors import Invalid, NotFound
from heartdesk.reporting import reports
from heartdesk.reporting.choices import ReportKind
from heartdesk.reporting.reports import Standing, classify
from heartdesk.reporting.types import Figure
from heartdesk.surveys import theme_services
from heartdesk.surveys.models import Theme
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.surveys.tests.answers import DAY, answered
from heartdesk.tickets.seed import seed as seed_sla
from heartdesk.tickets.sla import sweep
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
WEEK = dt.date(2026, 11, 16)  # Monday of the reported week; the previous week starts 2026-11-09
AFTER = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # Monday 07:00 after it (TIME_ZONE is UTC in tests)
FORMULA_SUBJECT = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture(autouse=True)
def report_presets(request):
    """SLA and survey presets come from data migrations; a transactional test may have flushed them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    seed_sla(apps)
    seed_survey(apps)


def _agent(username: str, first_name: str, team) -> object:
    return accounts.user_create(
        username=username, role=Role.AGENT, email=f"{username}@hd.test", first_name=first_name, teams=[team], actor=None
    )


@pytest.fixture
def world(cast):
    """Team Alpha (led by Lee, a specialist): Ada (10 fives this week and 10 last week), Bob (10 twos this week,
    each complaining about an invoice). Team Beta (no manager): Cy (5, 5, 4 this week), and two unassigned tickets
    that missed their first response (one also its resolution)."""
    admin = cast[Role.ADMIN]
    for theme in Theme.objects.all():
        theme_services.theme_delete(theme=theme, actor=admin)
    theme_services.theme_create(key="billing", label="Billing", keywords=["invoice", "refund*"], actor=admin)
    theme_services.theme_create(key="response_time", label="Response time", keywords=["slow", "wait*"], actor=admin)
    lee = accounts.user_create(username="lee", role=Role.SPECIALIST, email="lee@hd.test", first_name="Lee", actor=None)
    alpha = accounts.team_create(name="Alpha", manager=lee, actor=None)
    beta = accounts.team_create(name="Beta", actor=None)
    ada, bob, cy = _agent("ada", "Ada", alpha), _agent("bob", "Bob", alpha), _agent("cy", "Cy", beta)
    for i in range(10):
        at = MONDAY_10 + i * 10 * M
        answered(agent=ada, team=alpha, csat=5, solved_at=at - 7 * DAY)
        answered(agent=ada, team=alpha, csat=5, solved_at=at)
        answered(agent=bob, team=alpha, csat=2, comment="The invoice was wrong again.", solved_at=at + DAY)
    answered(agent=bob, team=alpha, csat=4, solved_at=MONDAY_10 - 6 * DAY)
    for rating in (5, 5, 4):
        answered(agent=cy, team=beta, csat=rating, solved_at=MONDAY_10)
    late = ticket(requester=contact("late@customer.example"), priority="p2", team=beta, now=MONDAY_10 + 2 * DAY)
    evil = ticket(
        requester=contact("evil@customer.example"),
        priority="p2",
        team=beta,
        subject=FORMULA_SUBJECT,
        now=MONDAY_10 + 3 * DAY,
    )
    sweep.run(now=MONDAY_10 + 2 * DAY + 61 * M)
    sweep.run(now=MONDAY_10 + 3 * DAY + 61 * M)
    return {"alpha": alpha, "beta": beta, "ada": ada, "bob": bob, "cy": cy, "lee": lee, "late": late, "evil": evil}


def weekly(team=None) -> reports.Report:
    return reports.build_report(kind="weekly", period_start=WEEK, team=team, now=AFTER)


# --- Periods --------------------------------------------------------------------------------------------------


def test_a_week_is_monday_to_sunday_and_a_month_the_calendar_month():
    assert reports.week_of(dt.date(2026, 11, 22)) == reports.ReportPeriod("weekly", WEEK, dt.date(2026, 11, 22))
    assert reports.week_of(WEEK).previous.start == dt.date(2026, 11, 9)
    feb = reports.month_of(dt.date(2028, 2, 10))
    assert (feb.start, feb.end, feb.previous.start, feb.previous.end) == (
        dt.date(2028, 2, 1),
        dt.date(2028, 2, 29),
        dt.date(2028, 1, 1),
        dt.date(2028, 1, 31),
    )
    assert reports.month_of(dt.date(2027, 1, 5)).previous.start == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("now", "kind", "expected"),
    [
        (dt.datetime(2026, 11, 23, 5, 59, tzinfo=dt.UTC), "weekly", dt.date(2026, 11, 9)),  # before 06:00 Monday
        (dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC), "weekly", WEEK),
        (dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC), "weekly", WEEK),  # Sunday: this week is not over
        (dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC), "monthly", dt.date(2026, 10, 1)),
        (dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC), "monthly", dt.date(2026, 11, 1)),
    ],
)
def test_the_due_period_is_the_last_one_ended_once_06_00_of_the_next_day_has_passed(now, kind, expected):
    assert reports.due_period(kind, now=now).start == expected


def test_the_due_week_follows_the_desks_time_zone(settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in November: Monday 06:00 there is Sunday 17:00 UTC
    assert reports.due_period("weekly", now=dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)).start == WEEK
    assert reports.due_period("weekly", now=dt.datetime(2026, 11, 22, 16, 59, tzinfo=dt.UTC)).start < WEEK


@pytest.mark.parametrize(
    ("kind", "start", "error", "field"),
    [
        ("daily", "2026-11-16", NotFound, "kind"),
        ("weekly", "16/11/2026", Invalid, "period_start"),
        ("weekly", "2026-11-17", Invalid, "period_start"),  # a Tuesday
        ("monthly", "2026-11-16", Invalid, "period_start"),
        ("weekly", "2026-11-30", Invalid, "period_start"),  # not over yet on 2026-12-01
    ],
)
def test_a_bad_period_names_the_problem(kind, start, error, field):
    with pytest.raises(error) as caught:
        reports.period_for(kind, start, now=dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC))
    assert caught.value.field == field


# --- Classification (pure) ------------------------------------------------------------------------------------


def csat(value, n, low=None, high=None) -> Figure:
    return Figure("csat", value, n, low, high, target=90.0)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (csat(100.0, 10, 72.2, 100.0), csat(90.0, 10, 59.6, 98.2), Standing.CONSISTENTLY_HIGH),
        (csat(95.0, 40, 83.5, 98.6), csat(92.0, 9, 60.0, 98.0), Standing.NOT_ENOUGH_ANSWERS),  # 9 before
        (csat(100.0, 3, 43.9, 100.0), None, Standing.NOT_ENOUGH_ANSWERS),
        (csat(0.0, 3, 0.0, 56.1), None, Standing.NEEDS_SUPPORT),  # few answers, but conclusively below
        (csat(80.0, 10, 49.0, 94.3), csat(85.0, 20, 64.0, 94.8), Standing.NEEDS_SUPPORT),  # below twice
        (csat(80.0, 10, 49.0, 94.3), csat(95.0, 20, 76.4, 99.1), Standing.NO_PATTERN),
        (csat(None, 0), csat(None, 0), Standing.NOT_ENOUGH_ANSWERS),
        (None, None, Standing.NOT_ENOUGH_ANSWERS),
    ],
)
def test_the_standing_rules(current, previous, expected):
    standing, reason = classify(current, previous, target=90.0)
    assert standing == expected and reason


# --- The report -----------------------------------------------------------------------------------------------


def test_the_report_recognises_the_high_performer_and_flags_who_needs_support(world):
    report = weekly()
    agents = {r.label: r for r in report.agents}
    assert agents["Ada"].standing == Standing.CONSISTENTLY_HIGH
    assert agents["Ada"].csat.value == 100.0 and agents["Ada"].csat.n == 10 and agents["Ada"].previous_csat.n == 10
    assert agents["Bob"].standing == Standing.NEEDS_SUPPORT
    assert agents["Bob"].csat.value == 0.0 and agents["Bob"].csat.high < 90
    assert agents["Cy"].standing == Standing.NOT_ENOUGH_ANSWERS and agents["Cy"].csat.n == 3
    assert [r.label for r in report.high_performers] == ["Ada"]
    assert "Bob" in [r.label for r in report.needs_support]
    assert report.summary["csat"].n == 23 and report.summary["csat"].value == pytest.approx(100 * 13 / 23, abs=0.1)


def test_teams_are_classified_by_the_same_rules(world):
    teams = {r.label: r for r in weekly().teams}
    assert teams["Alpha"].csat.n == 20 and teams["Alpha"].previous_csat.n == 11
    assert teams["Alpha"].standing == Standing.NEEDS_SUPPORT  # 50 % this week: the interval is below 90 %
    assert teams["Beta"].standing == Standing.NOT_ENOUGH_ANSWERS


def test_the_root_causes_are_the_themes_of_the_negative_answers(world):
    report = weekly()
    assert [(c.key, c.negative) for c in report.causes] == [("billing", 10)]
    assert report.negative_responses == 10
    by_key = {c.key: c for c in report.causes}
    assert by_key["billing"].count == 10 and by_key["billing"].previous == 0


def test_breaches_are_counted_per_target_with_the_latest_tickets_linked(world, settings):
    settings.PUBLIC_URL = "https://desk.example"
    breaches = weekly().breaches
    # The late ticket missed its first response (Wed 11:00) and, still unsolved, its resolution (Wed 14:00).
    assert breaches.total == 3
    counts = {key: count for key, _label, count in breaches.by_target}
    assert counts == {"first_response": 2, "next_update": 0, "resolution": 1, "promise": 0}
    evil, late_resolution, late_first = breaches.recent  # newest first
    assert (evil.ticket_id, late_resolution.ticket_id, late_first.ticket_id) == (
        world["evil"].pk,
        world["late"].pk,
        world["late"].pk,
    )
    assert (late_resolution.target, late_first.target) == ("resolution", "first_response")
    assert evil.url == f"https://desk.example/tickets/{world['evil'].pk}/" and evil.team == "Beta"
    rows = {r.label: r for r in weekly().teams}
    assert rows["Beta"].breaches == 3 and rows["Alpha"].breaches == 0


def test_a_team_report_holds_only_that_teams_agents_answers_and_breaches(world):
    report = weekly(team=world["alpha"])
    assert [r.label for r in report.teams] == ["Alpha"]
    assert {r.label for r in report.agents} == {"Ada", "Bob"}
    assert report.summary["csat"].n == 20
    assert report.breaches.total == 0 and report.breaches.recent == []
    beta = weekly(team=world["beta"])
    assert [r.label for r in beta.agents] == ["Cy"] and [c.key for c in beta.causes] == []


def test_a_reports_queries_do_not_grow_with_its_agents(world):
    weekly()  # the first read after new facts rebuilds their days' roll-ups
    with CaptureQueriesContext(connection) as three_agents:
        weekly()
    for i in range(4):
        extra = _agent(f"extra{i}", f"Extra{i}", world["beta"])
        answered(agent=extra, team=world["beta"], csat=4, solved_at=MONDAY_10 + i * M)
    weekly()
    with CaptureQueriesContext(connection) as seven_agents:
        assert len(weekly().agents) == 7
    assert len(seven_agents.captured_queries) == len(three_agents.captured_queries) <= 35


def test_an_empty_period_reports_no_data_not_zero(cast):
    report = reports.build_report(kind="monthly", period_start=dt.date(2026, 1, 1), now=AFTER)
    assert report.summary["csat"].value is None and report.summary["csat"].n == 0
    assert report.agents == [] and report.breaches.total == 0


# --- Pages ----------------------------------------------------------------------------------------------------

PAGE = "/reports/weekly/2026-11-16/"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SUPPORT_MANAGER, 200),
        (Role.ACCOUNT_MANAGER, 200),
        (Role.EXECUTIVE, 200),
        (Role.ADMIN, 200),
        (Role.AGENT, 403),
        (Role.ENGINEER, 403),
    ],
)
def test_the_report_pages_follow_metrics_view(world, web, role, status):
    assert web[role].get("/reports/").status_code == status
    assert web[role].get(PAGE).status_code == status
    assert web[role].get(PAGE + "report.csv").status_code == status


def test_the_report_page_shows_the_standings_causes_breaches_and_downloads(world, web):
    page = web[Role.SUPPORT_MANAGER].get(PAGE)
    html = page.content.decode()
    assert "Consistently high" in html and "Needs support" in html and "Not enough answers" in html
    assert 'id="root-causes"' in html and "Billing" in html
    assert f"/tickets/{world['late'].pk}/" in html
    assert "/reports/weekly/2026-11-16/report.csv" in html and "/reports/weekly/2026-11-16/report.xlsx" in html
    assert "=HYPERLINK(&quot;" in html  # escaped, like every other text


def test_a_team_manager_sees_their_teams_report_and_nothing_else(world, client):
    client.force_login(world["lee"])  # a specialist: no metrics: view, but Alpha's manager
    alpha, beta = world["alpha"].pk, world["beta"].pk
    assert client.get(f"{PAGE}?team={alpha}").status_code == 200
    assert client.get(f"{PAGE}report.xlsx?team={alpha}").status_code == 200
    assert client.get(f"{PAGE}?team={beta}").status_code == 403
    assert client.get(PAGE).status_code == 403  # the whole desk
    index = client.get("/reports/")
    assert index.status_code == 200 and f"?team={alpha}" in index.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/reports/daily/2026-11-16/", 404, ""),
        ("/reports/weekly/2026-13-01/", 400, "is not a date"),
        ("/reports/weekly/2026-11-17/", 400, "A week starts on a Monday; 2026-11-17 is a Tuesday"),
        ("/reports/monthly/2026-11-02/", 400, "A month starts on the 1st"),
        ("/reports/weekly/2099-11-16/", 400, "has not ended yet"),
        (PAGE + "?team=abc", 400, "is not a team id"),
        (PAGE + "?team=999999", 404, ""),
        ("/reports/weekly/2026-11-17/report.xlsx", 400, "is a Tuesday"),
    ],
)
def test_a_bad_address_is_a_clear_400_or_a_404(cast, web, path, status, text):
    response = web[Role.SUPPORT_MANAGER].get(path)
    assert response.status_code == status
    assert text in response.content.decode()


def test_an_agent_is_refused_before_the_address_is_read(cast, web):
    assert web[Role.AGENT].get("/reports/weekly/2026-11-17/").status_code == 403


# --- API ------------------------------------------------------------------------------------------------------


def test_the_api_returns_the_report_as_json(world, api):
    response = api[Role.EXECUTIVE].get("reports/weekly/2026-11-16")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["period_start"], body["period_end"]) == ("weekly", "2026-11-16", "2026-11-22")
    agents = {a["label"]: a for a in body["agents"]}
    assert agents["Ada"]["standing"] == "consistently_high" and agents["Bob"]["standing"] == "needs_support"
    assert agents["Ada"]["figures"]["csat"]["n"] == 10
    assert body["root_causes"][0]["key"] == "billing" and body["breaches"]["total"] == 3
    team = api[Role.SUPPORT_MANAGER].get("reports/weekly/2026-11-16", {"team": world["alpha"].pk}).json()
    assert team["team"]["name"] == "Alpha" and team["breaches"]["total"] == 0


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("reports/daily/2026-11-16", 404, "kind"),
        ("reports/weekly/2026-11-17", 422, "period_start"),
        ("reports/weekly/nonsense", 422, "period_start"),
        ("reports/weekly/2026-11-16?team=999999", 404, "team"),
        ("reports/weekly/2026-11-16?team=abc", 422, "team"),
    ],
)
def test_the_api_answers_bad_input_with_problem_details(cast, api, path, status, field):
    response = api[Role.SUPPORT_MANAGER].get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json().get("errors", [])]


def test_the_api_refuses_an_agent(cast, api):
    response = api[Role.AGENT].get("reports/weekly/2026-11-16")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"


def test_kinds_are_weekly_and_monthly():
    assert ReportKind.values == ["weekly", "monthly"]
