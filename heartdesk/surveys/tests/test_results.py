"""Survey results: the guides' KPIs on hand-computed answers, "no data", breakdowns, themes, comments, CSV export."""

import datetime as dt

import pytest

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.surveys import kpis, selectors, theme_services
from heartdesk.surveys.filters import ResultFilters
from heartdesk.surveys.models import Theme
from heartdesk.surveys.tests.answers import DAY, answered
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db
MONDAY = MONDAY_10.date()


def day(**extra) -> ResultFilters:
    return ResultFilters(date_from=MONDAY, date_to=MONDAY, **extra)


@pytest.fixture
def themes(cast):
    """A small known taxonomy in place of the seeded one."""
    admin = cast[Role.ADMIN]
    for theme in Theme.objects.all():
        theme_services.theme_delete(theme=theme, actor=admin)
    theme_services.theme_create(key="billing", label="Billing", keywords=["invoice", "refund*"], actor=admin)
    theme_services.theme_create(key="response_time", label="Response time", keywords=["slow", "wait*"], actor=admin)


@pytest.fixture
def five(cast):
    """CSAT 5,4,4,3,1 -> 3 of 5 satisfied (60 %), mean 3.4; NPS 10,9,8,6,0 -> 40 % − 40 % = 0."""
    agent = cast[Role.AGENT]
    rows = [(5, 10, True, True), (4, 9, True, False), (4, 8, True, None), (3, 6, False, True), (1, 0, None, False)]
    return [
        answered(agent=agent, csat=c, nps=n, resolved=r, time_ok=t, solved_at=MONDAY_10 + i * dt.timedelta(minutes=5))
        for i, (c, n, r, t) in enumerate(rows)
    ]


def test_the_kpis_match_the_hand_computed_figures(five):
    k = selectors.results(day()).kpis
    assert (k.responses, k.csat, k.average_rating) == (5, kpis.Figure(60.0, 5), kpis.Figure(3.4, 5))
    assert k.nps == kpis.Figure(0.0, 5) and (k.promoters, k.passives, k.detractors) == (2, 1, 2)
    assert k.resolved == kpis.Figure(75.0, 4)  # 3 yes of 4 answered
    assert k.response_time_ok == kpis.Figure(50.0, 4)
    assert k.response_rate == kpis.Figure(100.0, 5)


def test_an_empty_period_is_no_data_never_zero(five, web):
    k = selectors.results(ResultFilters(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 2))).kpis
    for figure in (k.csat, k.average_rating, k.nps, k.resolved, k.response_time_ok, k.response_rate):
        assert figure.value is None and figure.n == 0
    page = web[Role.SUPPORT_MANAGER].get("/surveys/", {"date_from": "2026-10-01", "date_to": "2026-10-02"})
    assert page.status_code == 200
    assert page.content.decode().count("no data") >= 6


@pytest.mark.parametrize(
    ("csats", "expected"),
    [([4, 3], 50.0), ([5, 3], 50.0), ([4, 4], 100.0), ([3, 2], 0.0)],
)
def test_csat_counts_4_and_5_as_satisfied(cast, csats, expected):
    for c in csats:
        answered(agent=cast[Role.AGENT], csat=c)
    assert selectors.results(day()).kpis.csat == kpis.Figure(expected, 2)


@pytest.mark.parametrize(
    ("scores", "expected", "split"),
    [([6, 7], -50.0, (0, 1, 1)), ([8, 9], 50.0, (1, 1, 0)), ([7, 8], 0.0, (0, 2, 0)), ([10, 0], 0.0, (1, 0, 1))],
)
def test_nps_boundaries_6_is_a_detractor_7_and_8_passive_9_a_promoter(cast, scores, expected, split):
    for n in scores:
        answered(agent=cast[Role.AGENT], csat=3, nps=n)
    k = selectors.results(day()).kpis
    assert k.nps == kpis.Figure(expected, 2)
    assert (k.promoters, k.passives, k.detractors) == split


def test_the_response_rate_counts_unanswered_invitations(cast, five):
    from heartdesk.surveys import services
    from heartdesk.tickets import services as tickets
    from heartdesk.tickets.choices import Status

    t = ticket(requester=contact(email="silent@customer.example"), now=MONDAY_10)
    tickets.ticket_reply(ticket=t, body="Done", actor=cast[Role.AGENT], status=Status.SOLVED, now=MONDAY_10)
    services.send_due(now=MONDAY_10 + 2 * dt.timedelta(hours=1))
    assert selectors.results(day()).kpis.response_rate == kpis.Figure(83.3, 6)


def test_the_breakdown_by_agent_has_one_row_per_agent(cast):
    for c in (5, 4, 1):
        answered(agent=cast[Role.AGENT], csat=c)
    answered(agent=cast[Role.SPECIALIST], csat=2)
    rows = {row.key: row for row in selectors.breakdown(day(group_by="agent"))}
    assert set(rows) == {cast[Role.AGENT].pk, cast[Role.SPECIALIST].pk}
    assert rows[cast[Role.AGENT].pk].kpis.csat == kpis.Figure(66.7, 3)
    assert rows[cast[Role.SPECIALIST].pk].kpis.csat == kpis.Figure(0.0, 1)
    assert rows[cast[Role.AGENT].pk].label == cast[Role.AGENT].display_name


def test_the_breakdown_by_team_and_by_week(cast):
    team = accounts.team_create(name="Desk", manager=cast[Role.SUPPORT_MANAGER], actor=None)
    answered(agent=cast[Role.AGENT], csat=5, team=team)
    answered(agent=cast[Role.AGENT], csat=1)
    by_team = {row.label: row.kpis.responses for row in selectors.breakdown(day(group_by="team"))}
    assert by_team == {"Desk": 1, "No team": 1}
    weeks = selectors.breakdown(day(group_by="week"))
    assert [(w.label, w.kpis.responses) for w in weeks] == [("Week of 2026-11-16", 2)]


def test_filters_narrow_the_figures_by_agent(cast, five):
    answered(agent=cast[Role.SPECIALIST], csat=1)
    assert selectors.results(day(agent=cast[Role.SPECIALIST].pk)).kpis.csat == kpis.Figure(0.0, 1)
    assert selectors.results(day()).kpis.csat == kpis.Figure(50.0, 6)


def test_themes_count_this_and_the_previous_period_and_the_root_causes(cast, themes):
    agent = cast[Role.AGENT]
    answered(agent=agent, csat=1, comment="The invoice was wrong and the refund slow.", solved_at=MONDAY_10 - 2 * DAY)
    answered(agent=agent, csat=5, comment="Thanks for the quick refund, great job.")
    answered(agent=agent, csat=2, comment="Terrible: I had to wait a week for an answer.")
    answered(agent=agent, csat=1, comment="Awful invoice, charged twice.")
    res = selectors.results(ResultFilters(date_from=MONDAY - dt.timedelta(days=1), date_to=MONDAY))
    counts = {t.key: (t.count, t.previous, t.negative) for t in res.themes}
    assert counts == {"billing": (2, 1, 1), "response_time": (1, 1, 1)}
    assert [t.key for t in res.root_causes] == ["billing", "response_time"]


def test_comments_are_filtered_by_theme_and_sentiment(cast, themes, web):
    agent = cast[Role.AGENT]
    answered(agent=agent, csat=1, comment="Awful invoice, charged twice.")
    answered(agent=agent, csat=2, comment="Terrible: I had to wait a week for an answer.")
    answered(agent=agent, csat=5)  # no comment: not listed
    page = selectors.response_page(filters=day(theme="billing"), cursor=None, size=10, comments_only=True)
    assert [r.comment for r in page.items] == ["Awful invoice, charged twice."]
    assert selectors.response_page(filters=day(), cursor=None, size=10, comments_only=True).items.__len__() == 2
    html = (
        web[Role.AGENT]
        .get("/surveys/comments/", {"date_from": "2026-11-16", "date_to": "2026-11-16", "theme": "response_time"})
        .content.decode()
    )
    assert "wait a week" in html and "charged twice" not in html and "Response time" in html
    negative = (
        web[Role.AGENT]
        .get("/surveys/comments/", {"date_from": "2026-11-16", "date_to": "2026-11-16", "sentiment": "negative"})
        .content.decode()
    )
    assert "wait a week" in negative


def test_comments_are_keyset_paged_newest_first(cast):
    for i in range(3):
        answered(
            agent=cast[Role.AGENT],
            csat=3,
            comment=f"comment number {i}",
            solved_at=MONDAY_10 + i * dt.timedelta(minutes=1),
        )
    first = selectors.response_page(filters=day(), cursor=None, size=2, comments_only=True)
    second = selectors.response_page(filters=day(), cursor=first.next_cursor, size=2, comments_only=True)
    assert [r.comment for r in first.items + second.items] == [f"comment number {i}" for i in (2, 1, 0)]
    assert second.next_cursor is None


def test_the_csv_export_has_one_row_per_response_with_formula_cells_defused(cast, web, themes):
    r = answered(agent=cast[Role.AGENT], csat=1, nps=3, resolved=False, comment='=HYPERLINK("x") invoice wrong')
    answered(agent=cast[Role.AGENT], csat=5, solved_at=MONDAY_10 - 10 * DAY)  # outside the period
    response = web[Role.SUPPORT_MANAGER].get(
        "/surveys/export.csv", {"date_from": "2026-11-16", "date_to": "2026-11-16"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    import csv
    import io

    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0][:4] == ["submitted_at", "survey", "version", "ticket"] and len(lines) == 2
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["ticket"] == r.ticket.reference and row["contact_email"] == r.contact.email
    assert (row["csat"], row["nps"], row["resolved"], row["response_time_ok"]) == ("1", "3", "no", "")
    assert row["agent"] == cast[Role.AGENT].username and row["themes"] == "billing"
    assert row["comment"].startswith("'=HYPERLINK")


def test_an_agent_cannot_export_contacts_emails_but_an_executive_reads_results(five, web):
    assert web[Role.AGENT].get("/surveys/export.csv").status_code == 403
    page = web[Role.EXECUTIVE].get("/surveys/", {"date_from": "2026-11-16", "date_to": "2026-11-16"})
    assert page.status_code == 200 and b"60.0 %" in page.content and b"n = 5" in page.content


def test_bad_filters_are_shown_not_a_500(web):
    page = web[Role.SUPPORT_MANAGER].get("/surveys/", {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert page.status_code == 200 and b"date_to" in page.content


def test_the_results_page_runs_a_fixed_number_of_queries(cast, web, themes, django_assert_max_num_queries):
    for i, c in enumerate((5, 4, 3, 2, 1, 5, 4)):
        agent = cast[Role.AGENT] if i % 2 else cast[Role.SPECIALIST]
        answered(agent=agent, csat=c, comment="slow invoice" if c < 3 else "")
    client = web[Role.SUPPORT_MANAGER]
    for group in ("agent", "team", "week", "organization"):
        with django_assert_max_num_queries(12):
            response = client.get("/surveys/", {"date_from": "2026-11-16", "date_to": "2026-11-16", "group_by": group})
        assert response.status_code == 200
