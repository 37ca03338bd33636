from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.tickets.models import SlaPolicy, SlaTarget
from heartdesk.tickets.tests import factories

MANAGER, AGENT = Role.SUPPORT_MANAGER, Role.AGENT


def _policy(**extra):
    body = {
        "name": "Gold",
        "targets": [
            {"priority": "p3", "first_response_minutes": 30, "resolution_minutes": 600, "around_the_clock": True},
            {"priority": "p1", "first_response_minutes": 5, "around_the_clock": True},
        ],
    }
    return {**body, **extra}


def _fields(response):
    return [e["field"] for e in response.json().get("errors", [])]


def test_it_asks_for_a_token(db):
    from django.test import Client

    assert Client().get("/api/v1/sla/policies").status_code == 401


def test_staff_read_policies_but_only_managers_write(api):
    assert api[AGENT].get("sla/policies").status_code == 200
    response = api[AGENT].post("sla/policies", _policy())
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_a_policy_is_created_read_updated_and_deleted(api):
    created = api[MANAGER].post("sla/policies", _policy())
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert len(created.json()["targets"]) == 2
    updated = api[MANAGER].put(f"sla/policies/{pk}", _policy(name="Gold+", targets=[{"priority": "p2"}]))
    assert updated.status_code == 200
    assert updated.json()["name"] == "Gold+" and len(updated.json()["targets"]) == 1
    assert api[AGENT].get(f"sla/policies/{pk}").json()["name"] == "Gold+"
    assert api[MANAGER].delete(f"sla/policies/{pk}").status_code == 204
    assert api[MANAGER].get(f"sla/policies/{pk}").status_code == 404


def test_a_bad_matrix_writes_nothing(api):
    pk = api[MANAGER].post("sla/policies", _policy()).json()["id"]
    bad = _policy(
        targets=[{"priority": "p1", "first_response_minutes": 10}, {"priority": "p2", "resolution_minutes": -5}]
    )
    response = api[MANAGER].put(f"sla/policies/{pk}", bad)
    assert response.status_code == 422
    assert _fields(response) == ["targets.1.resolution_minutes"]
    assert SlaTarget.objects.filter(policy_id=pk).count() == 2


def test_it_refuses_a_duplicate_cell_and_a_row_with_organization_and_tier(api):
    tier = customers.tier_save(actor=None, name="Gold")
    org = customers.organization_create(actor=None, name="Acme")
    dup = _policy(targets=[{"priority": "p1"}, {"priority": "p1"}])
    assert _fields(api[MANAGER].post("sla/policies", dup)) == ["targets.1"]
    both = _policy(targets=[{"priority": "p1", "organization_id": org.pk, "tier_id": tier.pk}])
    assert _fields(api[MANAGER].post("sla/policies", both)) == ["targets.0.tier_id"]
    assert not SlaPolicy.objects.filter(name="Gold").exists()


def test_it_refuses_an_at_risk_share_outside_zero_and_one(api):
    response = api[MANAGER].post("sla/policies", _policy(at_risk_share=1.5))
    assert response.status_code == 422 and _fields(response) == ["at_risk_share"]


def test_a_duplicate_name_is_a_conflict(api):
    api[MANAGER].post("sla/policies", _policy())
    response = api[MANAGER].post("sla/policies", _policy())
    assert response.status_code == 409 and _fields(response) == ["name"]


def test_a_new_default_unsets_the_old_one_and_the_default_cannot_be_deleted(api):
    old = SlaPolicy.objects.get(is_default=True)
    pk = api[MANAGER].post("sla/policies", _policy(is_default=True)).json()["id"]
    assert SlaPolicy.objects.get(is_default=True).pk == pk
    old.refresh_from_db()
    assert not old.is_default
    assert api[MANAGER].delete(f"sla/policies/{pk}").status_code == 409


def test_a_policy_in_use_cannot_be_deleted(api):
    factories.ticket()
    used = SlaPolicy.objects.get(is_default=True)
    api[MANAGER].post("sla/policies", _policy(is_default=True))
    assert api[MANAGER].delete(f"sla/policies/{used.pk}").status_code == 409


def test_a_policy_made_through_the_api_applies_to_a_new_ticket_of_its_tier(api):
    tier = customers.tier_save(actor=None, name="Platinum")
    pk = api[MANAGER].post("sla/policies", _policy(tier_ids=[tier.pk])).json()["id"]
    org = customers.organization_create(actor=None, name="Acme", tier=tier)
    contact = factories.contact(organization=org)
    ticket = factories.ticket(requester=contact, priority="p3")
    assert ticket.sla_policy_id == pk
    assert ticket.first_response_due == factories.MONDAY_10 + __import__("datetime").timedelta(minutes=30)


def test_calendars_check_windows_time_zone_and_holiday_country(api):
    good = {"name": "Berlin", "time_zone": "Europe/Berlin", "windows": {"0": [["09:00", "12:00"], ["13:00", "17:30"]]}}
    created = api[MANAGER].post("sla/calendars", good)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert _fields(api[MANAGER].post("sla/calendars", {**good, "name": "X", "time_zone": "Mars/Base"})) == ["time_zone"]
    assert _fields(api[MANAGER].post("sla/calendars", {**good, "name": "X", "holiday_country": "ZZ"})) == [
        "holiday_country"
    ]
    assert _fields(
        api[MANAGER].post("sla/calendars", {**good, "name": "X", "windows": {"0": [["17:00", "09:00"]]}})
    ) == ["windows"]
    closure = api[MANAGER].post(
        f"sla/calendars/{pk}/closures", {"date": "2026-12-24", "starts": "12:00", "ends": "24:00"}
    )
    assert closure.status_code == 201, closure.content
    assert len(api[AGENT].get(f"sla/calendars/{pk}").json()["closures"]) == 1
    cid = closure.json()["id"]
    assert api[MANAGER].delete(f"sla/calendars/{pk}/closures/{cid}").status_code == 204
    assert api[MANAGER].delete(f"sla/calendars/{pk}").status_code == 204


def test_a_calendar_in_use_cannot_be_deleted(api):
    used = SlaPolicy.objects.exclude(calendar=None).first().calendar_id
    assert api[MANAGER].delete(f"sla/calendars/{used}").status_code == 409


def test_escalation_rules_and_canned_responses_have_crud(api):
    rule = api[MANAGER].post("escalation-rules", {"name": "At risk P1", "trigger": "at_risk", "priorities": ["p1"]})
    assert rule.status_code == 201, rule.content
    rid = rule.json()["id"]
    bad = api[MANAGER].put(f"escalation-rules/{rid}", {"name": "At risk P1", "trigger": "never"})
    assert bad.status_code == 422 and _fields(bad) == ["trigger"]
    assert api[AGENT].get(f"escalation-rules/{rid}").status_code == 200
    assert api[AGENT].delete(f"escalation-rules/{rid}").status_code == 403
    assert api[MANAGER].delete(f"escalation-rules/{rid}").status_code == 204

    canned = api[MANAGER].post("canned-responses", {"title": "Hello", "body": "Hi there"})
    assert canned.status_code == 201
    cid = canned.json()["id"]
    assert api[MANAGER].put(f"canned-responses/{cid}", {"title": "Hello", "body": "  "}).status_code == 422
    assert api[MANAGER].put(f"canned-responses/{cid}", {"title": "Hi", "body": "Yo"}).json()["title"] == "Hi"
    assert api[MANAGER].delete(f"canned-responses/{cid}").status_code == 204
    assert api[MANAGER].get(f"canned-responses/{cid}").status_code == 404


def test_every_settings_change_applies_to_the_next_ticket_at_once(api):
    """Policy selection reads the settings once per change (policies._rules), and every kind of change is seen."""
    import datetime as dt

    monday_10, minutes = factories.MONDAY_10, dt.timedelta(minutes=1)
    org = customers.organization_create(actor=None, name="Acme")
    people = iter(factories.contact(email=f"p{i}@acme.example", organization=org) for i in range(10))

    def new_ticket():
        return factories.ticket(requester=next(people), priority="p3")

    default = new_ticket()
    assert default.first_response_due == monday_10 + 240 * minutes  # the seeded default: 4 business hours
    pk = api[MANAGER].post("sla/policies", _policy(organization_ids=[org.pk])).json()["id"]
    acme = new_ticket()
    assert acme.sla_policy_id == pk and acme.first_response_due == monday_10 + 30 * minutes
    assert acme.sla_policy is not new_ticket().sla_policy  # each ticket its own copy of the cached policy
    changed = _policy(organization_ids=[org.pk], targets=[{"priority": "p3", "first_response_minutes": 45}])
    assert api[MANAGER].put(f"sla/policies/{pk}", changed).status_code == 200
    assert new_ticket().first_response_due == monday_10 + 45 * minutes  # 45 business minutes, a new matrix
    assert api[MANAGER].put(f"sla/policies/{pk}", {**changed, "active": False}).status_code == 200
    assert new_ticket().sla_policy_id == default.sla_policy_id
    calendar = default.sla_policy.calendar_id  # a closure of the whole Monday: the clock starts Tuesday 09:00
    closure = api[MANAGER].post(f"sla/calendars/{calendar}/closures", {"date": "2026-11-16"})
    assert closure.status_code == 201, closure.content
    assert new_ticket().first_response_due == dt.datetime(2026, 11, 17, 13, 0, tzinfo=dt.UTC)
    assert api[MANAGER].delete(f"sla/calendars/{calendar}/closures/{closure.json()['id']}").status_code == 204
    assert new_ticket().first_response_due == monday_10 + 240 * minutes
