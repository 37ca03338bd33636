"""GET /api/v1/metrics, /metrics/breakdown and the targets: permissions per role, shapes, 422s naming the field."""

import datetime as dt

import pytest
from django.apps import apps

from heartdesk.accounts.choices import Role
from heartdesk.reporting.models import KpiTarget
from heartdesk.reporting.selectors import TREND_KEYS
from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.surveys.tests.answers import answered
from heartdesk.tickets.seed import seed as seed_sla

VIEWERS = {Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN, Role.EXECUTIVE}
MANAGERS = {Role.SUPPORT_MANAGER, Role.ADMIN}
MON = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)
WEEK = {"date_from": "2026-11-16", "date_to": "2026-11-22"}


@pytest.fixture(autouse=True)
def presets(db):
    seed_sla(apps)
    seed_survey(apps)


def fields(response) -> list[str]:
    assert response["Content-Type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("role", list(Role))
def test_metrics_are_for_managers_and_executives(api, role):
    response = api[role].get("metrics", WEEK)
    assert response.status_code == (200 if role in VIEWERS else 403)


def test_metrics_return_every_kpi_and_the_dashboard_trend(api, cast):
    answered(agent=cast[Role.AGENT], csat=5, nps=10, solved_at=MON)
    body = api[Role.EXECUTIVE].get("metrics", {**WEEK, "grain": "day"}).json()
    assert body["period"] == {"date_from": "2026-11-16", "date_to": "2026-11-22", "days": 7}
    assert body["previous_period"] == {"date_from": "2026-11-09", "date_to": "2026-11-15", "days": 7}
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["csat"]["value"] == 100.0 and figures["csat"]["n"] == 1 and figures["csat"]["target"] == 90.0
    assert figures["csat"]["status"] == "green" and figures["nps"]["value"] == 100.0
    assert figures["average_rating"]["low"] is None  # one answer: no interval
    assert len(body["trend"]) == 7 and body["trend"][0]["label"] == "2026-11-16"
    assert [f["key"] for f in body["trend"][0]["figures"]] == list(TREND_KEYS)
    assert body["computed_from"] == "roll-ups"


def test_metrics_with_two_dimensions_say_they_counted_the_facts(api, cast):
    body = api[Role.ADMIN].get("metrics", {**WEEK, "agent": cast[Role.AGENT].pk, "channel": "email"}).json()
    assert body["computed_from"] == "tickets and responses"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-11-22", "date_to": "2026-11-16"}, "date_to"),
        ({**WEEK, "grain": "fortnight"}, "grain"),
        ({**WEEK, "channel": "pigeon"}, "channel"),
        ({**WEEK, "priority": "p9"}, "priority"),
        ({**WEEK, "team": "alpha"}, "team"),
        ({"date_from": "yesterday"}, "date_from"),
    ],
)
def test_bad_filters_are_422_naming_the_field(api, params, field):
    response = api[Role.ADMIN].get("metrics", params)
    assert response.status_code == 422
    assert field in fields(response)


def test_the_breakdown_by_agent(api, cast):
    agent = cast[Role.AGENT]
    answered(agent=agent, csat=4, solved_at=MON)
    body = api[Role.SUPPORT_MANAGER].get("metrics/breakdown", {**WEEK, "by": "agent"}).json()
    assert body["by"] == "agent" and body["period"]["days"] == 7
    assert [(r["key"], r["label"]) for r in body["rows"]] == [(str(agent.pk), "Agent")]
    figures = {f["key"]: f for f in body["rows"][0]["figures"]}
    assert figures["csat"]["value"] == 100.0 and figures["tickets_solved"]["value"] == 1


def test_the_breakdown_needs_a_known_dimension_and_the_permission(api):
    response = api[Role.ADMIN].get("metrics/breakdown", {**WEEK, "by": "weather"})
    assert response.status_code == 422 and fields(response) == ["by"]
    assert api[Role.ADMIN].get("metrics/breakdown", WEEK).status_code == 422
    assert api[Role.AGENT].get("metrics/breakdown", {**WEEK, "by": "team"}).status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_targets_are_read_by_viewers_and_set_by_support_managers_and_admins(api, role):
    assert api[role].get("metrics/targets").status_code == (200 if role in VIEWERS else 403)
    response = api[role].put("metrics/targets/csat", {"value": 92})
    assert response.status_code == (200 if role in MANAGERS else 403)
    if role in MANAGERS:
        assert response.json()["value"] == 92.0 and response.json()["custom"] is True
        assert response.json()["default"] == 90.0
        assert api[role].delete("metrics/targets/csat").status_code == 204
        assert not KpiTarget.objects.exists()
    else:
        assert not KpiTarget.objects.exists()
        assert api[role].delete("metrics/targets/csat").status_code == 403


def test_targets_list_every_kpi_with_its_default(api):
    rows = {r["key"]: r for r in api[Role.EXECUTIVE].get("metrics/targets").json()}
    assert rows["resolution_time"] == {
        "key": "resolution_time",
        "label": "Average resolution time",
        "unit": "h",
        "better": "lower",
        "default": 4.0,
        "value": 4.0,
        "custom": False,
        "updated_at": None,
        "updated_by_id": None,
    }
    assert rows["backlog"]["value"] is None


@pytest.mark.parametrize(
    ("key", "payload", "field"),
    [
        ("csat", {"value": 101}, "value"),
        ("csat", {"value": -1}, "value"),
        ("nps", {"value": -101}, "value"),
        ("average_rating", {"value": 6}, "value"),
        ("csat", {"value": "lots"}, "value"),
        ("csat", {}, "value"),
        ("happiness", {"value": 50}, "key"),
    ],
)
def test_bad_targets_are_422_naming_the_field_and_nothing_is_written(api, key, payload, field):
    response = api[Role.ADMIN].put(f"metrics/targets/{key}", payload)
    assert response.status_code == 422
    assert fields(response) == [field]
    assert not KpiTarget.objects.exists()


def test_resetting_an_unknown_kpi_is_422(api):
    response = api[Role.ADMIN].delete("metrics/targets/happiness")
    assert response.status_code == 422 and fields(response) == ["key"]


def test_a_target_changes_the_status_the_metrics_show(api, cast):
    answered(agent=cast[Role.AGENT], csat=5, solved_at=MON)
    answered(agent=cast[Role.AGENT], csat=1, solved_at=MON)
    assert api[Role.ADMIN].put("metrics/targets/csat", {"value": 50}).status_code == 200
    figures = {f["key"]: f for f in api[Role.ADMIN].get("metrics", WEEK).json()["figures"]}
    assert (figures["csat"]["value"], figures["csat"]["target"], figures["csat"]["status"]) == (50.0, 50.0, "green")
