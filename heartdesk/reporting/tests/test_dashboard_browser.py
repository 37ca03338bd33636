"""A real Chromium on the dashboard: the gauge and the tiles show what GET /api/v1/metrics returns for the same
filters, a team row drills into that team (htmx, URL pushed), and a chart saves as a PNG image."""

import os
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from heartdesk.accounts.choices import Role
from heartdesk.conftest import PASSWORD
from heartdesk.reporting import dashboard as board
from heartdesk.reporting.catalogue import BY_KEY
from heartdesk.reporting.tests.test_dashboard import desk  # noqa: F401 (the fixture)
from heartdesk.reporting.types import Figure, Status
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.tickets.seed import seed as seed_sla

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = "date_from=2026-11-16&date_to=2026-11-22"


@pytest.fixture(autouse=True)
def presets(transactional_db):
    """A transactional test starts from an emptied database: put back the SLA and survey presets."""
    seed_sla(apps)
    seed_survey(apps)


def _figure(d: dict) -> Figure:
    return Figure(
        key=d["key"],
        value=d["value"],
        n=d["n"],
        low=d["low"],
        high=d["high"],
        target=d["target"],
        status=Status(d["status"]),
        previous=d["previous"],
        previous_n=d["previous_n"],
        significant=d["significant"],
    )


def _api(page, base: str, query: str) -> dict[str, Figure]:
    response = page.request.get(f"{base}/api/v1/metrics?{query}")
    assert response.ok, response.text()
    return {d["key"]: _figure(d) for d in response.json()["figures"]}


def _matches_the_api(page, figures: dict[str, Figure]) -> None:
    expect(page.locator("#csat-figure")).to_have_text(board.csat_text(figures["csat"]))
    for key, figure in figures.items():
        tile = page.locator(f"#tile-{key}")
        assert tile.get_attribute("data-value") == ("" if figure.value is None else repr(float(figure.value))), key
        if key != "csat":
            expect(tile.locator(".tile-value")).to_have_text(board.number(figure.value, BY_KEY[key].unit))
            expect(tile.locator(".n")).to_have_text(f"n = {figure.n}")


def _screens() -> str | None:
    """Where to keep the layout screenshots (HEARTDESK_SCREENSHOTS), else only the test's tmp_path."""
    return os.environ.get("HEARTDESK_SCREENSHOTS")


def test_a_manager_reads_the_dashboard_drills_into_a_team_and_saves_a_chart(live_server, cast, desk, browser, tmp_path):  # noqa: F811
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(cast[Role.SUPPORT_MANAGER].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(f"{base}/dashboard/")

    page.goto(f"{base}/dashboard/?{WEEK}")
    gauge_link = page.locator('.save-chart[data-chart="gauge"]')
    expect(gauge_link).to_be_visible()  # the charts are drawn
    _matches_the_api(page, _api(page, base, WEEK))
    expect(page.locator("#csat-figure")).to_have_text(re.compile(r"^50\.0 % \(n = 4, "))
    folder = _screens() or str(tmp_path)
    page.screenshot(path=f"{folder}/dashboard-1280.png", full_page=True)

    # Save a chart: the link carries the PNG and the browser downloads it.
    assert gauge_link.get_attribute("href").startswith("data:image/png;base64,")
    trend_link = page.locator('.save-chart[data-chart="satisfaction"]')
    with page.expect_download() as download:
        trend_link.click()
    assert trend_link.get_attribute("href").startswith("data:image/png;base64,")
    assert download.value.suggested_filename == "satisfaction-2026-11-16-2026-11-22.png"
    with open(download.value.path(), "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"

    # Drill into a team: htmx swaps the body and pushes the URL; the figures are the API's for that team.
    team = desk["billing"].pk
    page.locator("#by-team").get_by_role("link", name="Billing").click()
    page.wait_for_url(re.compile(rf"team={team}"))
    expect(page.locator("nav.trail")).to_contain_text("Billing")
    expect(page.locator("#f-team")).to_have_value(str(team))
    query = page.url.split("?", 1)[1]
    figures = _api(page, base, query)
    assert figures["csat"].n == 2
    _matches_the_api(page, figures)
    expect(page.locator('.save-chart[data-chart="gauge"]')).to_have_attribute("href", re.compile(r"^data:image/png"))
    page.go_back()
    page.wait_for_url(f"{base}/dashboard/?{WEEK}")
    expect(page.locator("#csat-figure")).to_have_text(re.compile(r"^50\.0 % \(n = 4, "))

    # Changing a filter swaps the body at once; a period preset is a button of the same form.
    page.get_by_label("Trend by").select_option("day")
    page.wait_for_url(re.compile(r"grain=day"))
    expect(page.locator("#trend-volume tbody tr")).to_have_count(7)
    page.get_by_role("button", name="30 days").click()
    page.wait_for_url(re.compile(r"days=30"))
    expect(page.get_by_role("button", name="30 days")).to_have_attribute("aria-pressed", "true")

    # A phone: one column, nothing wider than the screen but the tables' own scroll boxes.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(gauge_link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{folder}/dashboard-390.png", full_page=True)
    assert problems == []
    context.close()


def test_without_javascript_the_figures_and_data_tables_are_all_there(live_server, cast, desk, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(cast[Role.EXECUTIVE].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/dashboard/?{WEEK}")
    expect(page.locator("#csat-figure")).to_have_text(re.compile(r"^50\.0 % "))
    expect(page.locator("canvas").first).to_be_hidden()
    expect(page.locator("details.chart-data table").first).to_be_visible()
    page.get_by_role("button", name="30 days").click()  # a plain GET form without htmx
    page.wait_for_url(re.compile(r"days=30"))
    expect(page.get_by_role("button", name="30 days")).to_have_attribute("aria-pressed", "true")
    context.close()
