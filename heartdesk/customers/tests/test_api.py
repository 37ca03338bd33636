import pytest

from heartdesk.accounts.choices import Role
from heartdesk.customers import services
from heartdesk.customers.models import Contact, CustomerHistory, Organization, Segment, Tier


def snapshot():
    return (Contact.objects.count(), Organization.objects.count(), CustomerHistory.objects.count())


@pytest.fixture
def org(db):
    return services.organization_create(actor=None, name="Chemistry", segment=Segment.objects.get(name="Faculty"))


def test_an_agent_creates_reads_and_updates_a_contact(api, org, cast):
    agent = api[Role.AGENT]
    created = agent.post(
        "contacts",
        {
            "first_name": "Marie",
            "last_name": "Curie",
            "email": "marie@uni.example",
            "organization_id": org.pk,
            "tier_id": Tier.objects.get(name="Premium").pk,
            "account_manager_id": cast[Role.ACCOUNT_MANAGER].pk,
            "tags": ["nobel"],
            "time_zone": "Europe/Paris",
            "preferred_channels": ["email"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["organization"] == {"id": org.pk, "name": "Chemistry"}
    assert body["tier"]["name"] == "Premium" and body["tags"] == ["nobel"]
    got = agent.get(f"contacts/{body['id']}").json()
    assert got["email"] == "marie@uni.example"
    patched = agent.patch(f"contacts/{body['id']}", {"job_title": "Professor", "tags": ["nobel", "radium"]})
    assert patched.status_code == 200
    assert patched.json()["job_title"] == "Professor" and patched.json()["tags"] == ["nobel", "radium"]
    history = agent.get(f"contacts/{body['id']}/history").json()
    assert [h["kind"] for h in history] == ["updated", "created"]
    assert history[0]["changes"]["job_title"] == ["", "Professor"] and history[0]["actor"] == "Agent"


def test_patch_can_clear_a_reference(api, org):
    contact = services.contact_create(actor=None, email="a@x.example", organization=org)
    response = api[Role.AGENT].patch(f"contacts/{contact.pk}", {"organization_id": None})
    assert response.status_code == 200 and response.json()["organization"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"email": "a@x.example", "first_name": "x" * 101}, "first_name"),
        ({"email": "a@x.example", "first_name": 12}, "first_name"),
        ({"email": "a@x.example", "organization_id": "seven"}, "organization_id"),
        ({"email": "a@x.example", "organization_id": 999999}, "organization_id"),
        ({"email": "a@x.example", "segment_id": 999999}, "segment_id"),
        ({"email": "a@x.example", "account_manager_id": 999999}, "account_manager_id"),
        ({"email": "a@x.example", "preferred_channels": ["fax"]}, "preferred_channels.0"),
        ({"email": "a@x.example", "status": "asleep"}, "status"),
        ({"email": "a@x.example", "customer_since": "31/02/2020"}, "customer_since"),
        ({"email": "a@x.example", "time_zone": "Nowhere/Land"}, "time_zone"),
        ({"email": "a@x.example", "notes": "x" * 10001}, "notes"),
        ({}, "last_name"),
    ],
)
def test_bad_contact_input_is_a_422_problem_naming_the_field(api, payload, field):
    before = snapshot()
    response = api[Role.AGENT].post("contacts", payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert field in [e["field"] for e in problem["errors"]]
    assert snapshot() == before


def test_malformed_json_is_a_clear_4xx(api):
    response = api[Role.AGENT].client.post("/api/v1/contacts", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"


def test_a_duplicate_email_is_a_409_naming_email(api):
    services.contact_create(actor=None, email="dup@x.example")
    before = snapshot()
    response = api[Role.AGENT].post("contacts", {"email": "DUP@x.example"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "email"
    assert snapshot() == before


def test_unknown_ids_are_404_problems(api):
    agent = api[Role.AGENT]
    for call in (
        agent.get("contacts/424242"),
        agent.patch("contacts/424242", {"phone": "1"}),
        agent.get("organizations/424242"),
        agent.get("contacts/424242/history"),
    ):
        assert call.status_code == 404
        assert call.json()["status"] == 404


@pytest.mark.parametrize("role", [Role.EXECUTIVE])
def test_roles_that_only_read_get_403_on_writes(api, role, org):
    before = snapshot()
    assert api[role].get("contacts").status_code == 200
    assert api[role].post("contacts", {"email": "x@x.example"}).status_code == 403
    assert api[role].patch(f"organizations/{org.pk}", {"name": "Renamed"}).status_code == 403
    assert snapshot() == before


def test_removal_restore_and_erase_follow_the_roles(api, org):
    contact = services.contact_create(actor=None, first_name="Pat", email="pat@x.example", organization=org)
    assert api[Role.AGENT].delete(f"contacts/{contact.pk}").status_code == 403
    assert api[Role.ACCOUNT_MANAGER].delete(f"contacts/{contact.pk}", {"reason": "left"}).status_code == 204
    listed = api[Role.AGENT].get("contacts").json()["results"]
    assert contact.pk not in [c["id"] for c in listed]
    removed = api[Role.AGENT].get("contacts", {"removed": "true"}).json()["results"]
    assert [c["id"] for c in removed] == [contact.pk]
    assert api[Role.ACCOUNT_MANAGER].post(f"contacts/{contact.pk}/restore").json()["removed"] is False
    assert api[Role.ACCOUNT_MANAGER].post(f"contacts/{contact.pk}/erase", {"reason": "gdpr"}).status_code == 403
    erased = api[Role.SUPPORT_MANAGER].post(f"contacts/{contact.pk}/erase", {"reason": "gdpr"})
    assert erased.status_code == 200 and erased.json()["erased"] and erased.json()["email"] is None
    assert api[Role.SUPPORT_MANAGER].patch(f"contacts/{contact.pk}", {"phone": "1"}).status_code == 409


def test_organizations_round_trip_with_history(api, cast):
    manager = api[Role.ACCOUNT_MANAGER]
    created = manager.post(
        "organizations",
        {"name": "Library", "tier_id": Tier.objects.get(name="Basic").pk, "customer_since": "2020-09-01"},
    )
    assert created.status_code == 201
    org_id = created.json()["id"]
    assert manager.patch(f"organizations/{org_id}", {"status": "churned"}).json()["churned_on"] is not None
    assert manager.patch(f"organizations/{org_id}", {"name": ""}).status_code == 422
    assert [h["kind"] for h in manager.get(f"organizations/{org_id}/history").json()] == [
        "updated",
        "created",
    ]
    assert manager.delete(f"organizations/{org_id}").status_code == 204
    assert manager.post(f"organizations/{org_id}/restore").status_code == 200


def test_lists_filter_like_the_page_and_page_with_cursors(api, cast):
    faculty, students = Segment.objects.get(name="Faculty"), Segment.objects.get(name="Students")
    for i in range(7):
        services.contact_create(
            actor=None,
            first_name=f"F{i}",
            last_name="Fac",
            email=f"f{i}@x.example",
            segment=faculty,
            account_manager=cast[Role.ACCOUNT_MANAGER],
        )
    services.contact_create(actor=None, first_name="Stu", last_name="Dent", email="s@x.example", segment=students)
    agent = api[Role.AGENT]
    first = agent.get("contacts", {"segment": faculty.pk, "page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"] and first["previous"] is None
    second = agent.get("contacts", {"segment": faculty.pk, "page_size": 3, "cursor": first["next"]}).json()
    third = agent.get("contacts", {"segment": faculty.pk, "page_size": 3, "cursor": second["next"]}).json()
    assert third["next"] is None and len(third["results"]) == 1
    ids = [c["id"] for page in (first, second, third) for c in page["results"]]
    assert len(set(ids)) == 7
    back = agent.get("contacts", {"segment": faculty.pk, "page_size": 3, "cursor": second["previous"]}).json()
    assert [c["id"] for c in back["results"]] == [c["id"] for c in first["results"]]
    assert [c["first_name"] for c in agent.get("contacts", {"q": "dent"}).json()["results"]] == ["Stu"]
    assert len(agent.get("contacts", {"account_manager": cast[Role.ACCOUNT_MANAGER].pk}).json()["results"]) == 7


def test_a_bad_cursor_or_filter_is_a_422(api):
    agent = api[Role.AGENT]
    assert agent.get("contacts", {"cursor": "garbage!!"}).json()["errors"][0]["field"] == "cursor"
    assert agent.get("contacts", {"segment": "abc"}).status_code == 422
    assert agent.get("contacts", {"page_size": 100000}).status_code == 422


def test_search_matches_name_email_and_organization_ignoring_case_and_accents(api, org):
    services.contact_create(actor=None, first_name="Zoë", last_name="Müller", email="zm@chem.example", organization=org)
    services.contact_create(actor=None, first_name="Other", last_name="Person", email="op@else.example")
    agent = api[Role.AGENT]

    def names(q):
        return [c["last_name"] for c in agent.get("contacts", {"q": q}).json()["results"]]

    assert names("zoe") == ["Müller"]
    assert names("MULLER") == ["Müller"]
    assert names("zm@chem") == ["Müller"]
    assert names("chemis") == ["Müller"]
    assert names("nobody") == []


def test_segments_and_tiers_are_managed_by_support_managers(api):
    manager = api[Role.SUPPORT_MANAGER]
    created = manager.post("segments", {"name": "Alumni", "preferred_channels": ["email"]})
    assert created.status_code == 201
    assert manager.post("segments", {"name": "alumni"}).status_code == 409
    assert api[Role.AGENT].post("segments", {"name": "Visitors"}).status_code == 403
    tier = manager.post("tiers", {"name": "Platinum", "rank": 4, "includes": ["24/7 hotline"]})
    assert tier.status_code == 201
    assert manager.put(f"tiers/{tier.json()['id']}", {"name": "Platinum", "rank": 5}).json()["rank"] == 5
    in_use = Segment.objects.get(name="Faculty")
    services.contact_create(actor=None, email="f@x.example", segment=in_use)
    assert manager.delete(f"segments/{in_use.pk}").status_code == 409
    assert manager.delete(f"segments/{created.json()['id']}").status_code == 204


def test_the_openapi_document_is_published(db, client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200
    paths = doc.json()["paths"]
    for path in (
        "/api/v1/contacts",
        "/api/v1/organizations",
        "/api/v1/segments",
        "/api/v1/tiers",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/tokens",
        "/api/v1/imports",
    ):
        assert path in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_the_csv_export_streams_filtered_rows_safely(api):
    services.contact_create(actor=None, first_name="=cmd|' /C calc'!A0", email="evil@x.example")
    assert api[Role.AGENT].get("exports/contacts.csv").status_code == 403
    response = api[Role.ACCOUNT_MANAGER].get("exports/contacts.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,email,first_name")
    assert "'=cmd" in text


def test_unknown_endpoints_and_wrong_methods_are_problem_details(api):
    admin = api[Role.ADMIN]
    missing = admin.get("/api/v1/nonexistent")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    wrong = admin.put("contacts", {})
    assert wrong.status_code == 405 and wrong.json()["status"] == 405 and "POST" in wrong["Allow"]
    assert admin.get("contacts/abc").status_code == 404


def test_wrong_types_anywhere_in_a_body_are_422s_naming_the_field(api):
    admin = api[Role.ADMIN]
    assert admin.post("tokens", {"name": "x", "days": "many"}).json()["errors"][0]["field"] == "days"
    job_start = admin.post("imports/1/start", {"mapping": "oops"})
    assert job_start.status_code == 422 and job_start.json()["errors"][0]["field"] == "mapping"
