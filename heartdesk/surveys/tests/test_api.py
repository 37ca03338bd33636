"""The surveys API: the same numbers as the results page, responses, follow-ups, and the theme taxonomy."""

import pytest

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.surveys.choices import FollowUpState
from heartdesk.surveys.models import FollowUp, Theme
from heartdesk.surveys.tests.answers import answered
from heartdesk.surveys.tests.test_results import five  # noqa: F401  (the hand-computed fixture)

pytestmark = pytest.mark.django_db
DAY = {"date_from": "2026-11-16", "date_to": "2026-11-16"}


def test_results_give_the_same_numbers_as_the_page(api, five):  # noqa: F811
    response = api[Role.EXECUTIVE].get("surveys/results", DAY)
    assert response.status_code == 200
    k = response.json()["kpis"]
    assert k["csat_percent"] == {"value": 60.0, "n": 5} and k["average_rating"] == {"value": 3.4, "n": 5}
    assert k["nps"] == {"value": 0.0, "n": 5} and (k["promoters"], k["passives"], k["detractors"]) == (2, 1, 2)
    assert k["response_rate_percent"] == {"value": 100.0, "n": 5}
    assert [row["kpis"]["responses"] for row in response.json()["breakdown"]] == [5]


def test_an_empty_period_is_null_with_n_zero(api, five):  # noqa: F811
    k = api[Role.AGENT].get("surveys/results", {"date_from": "2026-01-01", "date_to": "2026-01-02"}).json()["kpis"]
    assert k["csat_percent"] == {"value": None, "n": 0} and k["nps"] == {"value": None, "n": 0}


def test_bad_filters_name_the_field(api):
    response = api[Role.AGENT].get("surveys/results", {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "date_to"
    bad_group = api[Role.AGENT].get("surveys/results", {"group_by": "planet"})
    assert bad_group.status_code == 422 and bad_group.json()["errors"][0]["field"] == "group_by"


def test_responses_are_keyset_paged_and_one_has_its_answers(api, five):  # noqa: F811
    first = api[Role.AGENT].get("surveys/responses", {**DAY, "page_size": 3}).json()
    second = api[Role.AGENT].get("surveys/responses", {**DAY, "page_size": 3, "cursor": first["next"]}).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == 5 == len(set(ids)) and second["next"] is None
    detail = api[Role.AGENT].get(f"surveys/responses/{ids[0]}").json()
    assert detail["csat"] == 1 and detail["ticket_reference"]
    assert [a["position"] for a in detail["answers"]] == [1, 3, 4]
    assert api[Role.AGENT].get("surveys/responses/99999").status_code == 404


@pytest.fixture
def poor(cast):
    team = accounts.team_create(name="Desk", manager=cast[Role.SUPPORT_MANAGER], actor=None)
    answered(agent=cast[Role.AGENT], csat=1, team=team, comment="Nobody answered.")
    return FollowUp.objects.get()


CLOSE = {"contacted_at": "2026-11-16T15:00:00Z", "contact_channel": "phone", "outcome": "Apologised."}


def test_follow_ups_are_listed_read_and_closed(api, poor):
    listed = api[Role.AGENT].get("surveys/follow-ups", {"view": "open"}).json()
    assert [f["id"] for f in listed["results"]] == [poor.pk] and listed["recovery_rate"] == {"value": None, "n": 0}
    assert api[Role.AGENT].get(f"surveys/follow-ups/{poor.pk}").json()["reasons"] == ["low_rating"]
    closed = api[Role.SUPPORT_MANAGER].post(f"surveys/follow-ups/{poor.pk}/close", CLOSE)
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed" and closed.json()["recovery"] == "no_answer"
    again = api[Role.SUPPORT_MANAGER].post(f"surveys/follow-ups/{poor.pk}/close", CLOSE)
    assert again.status_code == 409 and "already closed" in again.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outcome": " "}, "outcome"),
        ({"contacted_at": "not a time"}, "contacted_at"),
        ({"contacted_at": "2099-01-01T00:00:00Z"}, "contacted_at"),
        ({"contact_channel": ""}, "contact_channel"),
    ],
)
def test_closing_with_bad_input_names_the_field_and_changes_nothing(api, poor, change, field):
    response = api[Role.SUPPORT_MANAGER].post(f"surveys/follow-ups/{poor.pk}/close", {**CLOSE, **change})
    assert response.status_code == 422 and field in [e["field"] for e in response.json()["errors"]]
    poor.refresh_from_db()
    assert poor.state == FollowUpState.OPEN


def test_an_agent_cannot_close_a_follow_up(api, poor):
    response = api[Role.AGENT].post(f"surveys/follow-ups/{poor.pk}/close", CLOSE)
    assert response.status_code == 403 and response.json()["status"] == 403
    poor.refresh_from_db()
    assert poor.state == FollowUpState.OPEN


def test_themes_are_managed_with_field_errors(api):
    manager = api[Role.SUPPORT_MANAGER]
    created = manager.post(
        "surveys/themes", {"key": "warranty", "label": "Warranty", "keywords": ["Guarantee", "warrant*"]}
    )
    assert created.status_code == 201 and created.json()["keywords"] == ["guarantee", "warrant*"]
    assert manager.post("surveys/themes", {"key": "warranty", "label": "B", "keywords": ["x"]}).status_code == 409
    bad_key = manager.post("surveys/themes", {"key": "Bad Key", "label": "B", "keywords": ["x"]})
    assert bad_key.status_code == 422 and bad_key.json()["errors"][0]["field"] == "key"
    no_words = manager.post("surveys/themes", {"key": "docs_zz", "label": "Docs", "keywords": []})
    assert no_words.status_code == 422 and no_words.json()["errors"][0]["field"] == "keywords"
    updated = manager.put("surveys/themes/warranty", {"label": "Warranty claims", "keywords": ["warranty"]})
    assert updated.status_code == 200 and updated.json()["label"] == "Warranty claims"
    assert "warranty" in [t["key"] for t in api[Role.AGENT].get("surveys/themes").json()]
    assert api[Role.AGENT].post("surveys/themes", {"key": "x", "label": "X", "keywords": ["x"]}).status_code == 403
    assert api[Role.AGENT].delete("surveys/themes/warranty").status_code == 403
    assert manager.delete("surveys/themes/warranty").status_code == 204
    assert not Theme.objects.filter(key="warranty").exists()
    assert manager.delete("surveys/themes/warranty").status_code == 404


def test_any_comment_can_be_analysed_through_the_api(api):
    response = api[Role.AGENT].post(
        "surveys/analyze", {"texts": ["Still waiting after three days, nobody answered.", "Great, thanks!"]}
    )
    assert response.status_code == 200, response.content
    negative, positive = response.json()
    assert negative["label"] == "negative" and negative["score"] < 0
    assert positive["label"] == "positive"
    too_long = api[Role.AGENT].post("surveys/analyze", {"texts": ["x" * 5001]})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "texts.0"
    assert api[Role.AGENT].post("surveys/analyze", {"texts": []}).status_code == 422
