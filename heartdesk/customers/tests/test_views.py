import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heartdesk.accounts.choices import Role
from heartdesk.customers import services
from heartdesk.customers.models import Contact, Organization, Segment


@pytest.fixture
def people(db):
    org = services.organization_create(
        actor=None, name="Department of Physics", segment=Segment.objects.get(name="Faculty"), tags=["hpc"]
    )
    contacts = [
        services.contact_create(
            actor=None,
            first_name=f"Person{i}",
            last_name=f"Lastname{i}",
            email=f"p{i}@uni.example",
            organization=org,
            tags=["t1", "t2"],
        )
        for i in range(60)
    ]
    return org, contacts


def test_the_list_pages_with_cursors_and_filters(web, people):
    page = web[Role.AGENT].get("/customers/")
    assert page.status_code == 200
    assert len(re.findall(rb'href="/customers/contacts/[0-9]+/"', page.content)) == 50
    assert b'rel="next"' in page.content
    found = web[Role.AGENT].get("/customers/", {"q": "lastname59"})
    assert b"Person59" in found.content and b"Person1<" not in found.content


def test_htmx_searches_render_only_the_results(web, people):
    response = web[Role.AGENT].get("/customers/", {"q": "person1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert b"<html" not in response.content and b"Person1" in response.content


def test_bad_filters_show_a_message_not_a_500(web, people):
    response = web[Role.AGENT].get("/customers/", {"segment": "abc", "cursor": "zzz"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content


def test_the_list_query_count_does_not_grow_with_rows(web, people):
    with CaptureQueriesContext(connection) as queries:
        web[Role.AGENT].get("/customers/")
    # session+user, page rows, tags, segment/tier/manager options for the filters
    assert len(queries) <= 7, [q["sql"] for q in queries]


def test_the_contact_page_shows_the_record_and_its_history_in_few_queries(web, people, cast):
    contact = people[1][0]
    services.contact_update(contact=contact, actor=cast[Role.AGENT], job_title="Dean")
    with CaptureQueriesContext(connection) as queries:
        page = web[Role.AGENT].get(f"/customers/contacts/{contact.pk}/")
    assert page.status_code == 200
    assert b"Dean" in page.content and b"job_title" in page.content and b"Department of Physics" in page.content
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_an_agent_creates_a_contact_with_inline_errors_first(web, people):
    agent = web[Role.AGENT]
    bad = agent.post(
        "/customers/contacts/new/", {"email": "not-an-email", "status": "active", "organization": "Nowhere"}
    )
    assert bad.status_code == 200
    assert b"Enter a valid email address" in bad.content and b"No organization is called" in bad.content
    assert not Contact.objects.filter(email="not-an-email").exists()
    dup = agent.post("/customers/contacts/new/", {"email": "p1@uni.example", "status": "active"})
    assert b"already has the email" in dup.content
    good = agent.post(
        "/customers/contacts/new/",
        {
            "first_name": "New",
            "last_name": "Person",
            "email": "new@uni.example",
            "status": "active",
            "organization": "department of physics",
            "tags": "a, b",
            "preferred_channels": ["email", "phone"],
        },
    )
    assert good.status_code == 302
    contact = Contact.objects.get(email="new@uni.example")
    assert contact.organization == people[0] and contact.preferred_channels == ["email", "phone"]
    assert good["Location"] == f"/customers/contacts/{contact.pk}/"


def test_an_agent_edits_a_contact(web, people):
    contact = people[1][0]
    form = web[Role.AGENT].get(f"/customers/contacts/{contact.pk}/edit/")
    assert b'value="p0@uni.example"' in form.content
    response = web[Role.AGENT].post(
        f"/customers/contacts/{contact.pk}/edit/",
        {
            "first_name": "Renamed",
            "email": "p0@uni.example",
            "status": "churned",
            "organization": "",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.first_name == "Renamed" and contact.churned_on is not None and contact.organization is None


def test_an_executive_sees_but_cannot_edit(web, people):
    contact = people[1][0]
    assert web[Role.EXECUTIVE].get(f"/customers/contacts/{contact.pk}/").status_code == 200
    assert web[Role.EXECUTIVE].get(f"/customers/contacts/{contact.pk}/edit/").status_code == 403
    assert web[Role.EXECUTIVE].post("/customers/contacts/new/", {"email": "e@x.example"}).status_code == 403


def test_remove_restore_and_erase_from_the_pages(web, people):
    contact = people[1][0]
    assert web[Role.AGENT].post(f"/customers/contact/{contact.pk}/delete/").status_code == 403
    web[Role.ACCOUNT_MANAGER].post(f"/customers/contact/{contact.pk}/delete/", {"reason": "left"})
    contact.refresh_from_db()
    assert contact.deleted_at is not None
    web[Role.ACCOUNT_MANAGER].post(f"/customers/contact/{contact.pk}/restore/")
    contact.refresh_from_db()
    assert contact.deleted_at is None
    refused = web[Role.SUPPORT_MANAGER].post(
        f"/customers/contacts/{contact.pk}/erase/", {"reason": "x", "confirm": "no"}
    )
    assert b"Type ERASE" in refused.content
    web[Role.SUPPORT_MANAGER].post(f"/customers/contacts/{contact.pk}/erase/", {"reason": "gdpr", "confirm": "ERASE"})
    contact.refresh_from_db()
    assert contact.erased_at is not None


def test_organization_pages(web, people):
    org = people[0]
    page = web[Role.AGENT].get(f"/customers/organizations/{org.pk}/")
    assert page.status_code == 200 and b"Person0" in page.content and b"hpc" in page.content
    listing = web[Role.AGENT].get("/customers/organizations/", {"q": "dep"})
    assert b"Department of Physics" in listing.content
    created = web[Role.AGENT].post("/customers/organizations/new/", {"name": "Law School", "status": "active"})
    assert created.status_code == 302 and Organization.objects.filter(name="Law School").exists()
    suggest = web[Role.AGENT].get("/customers/organizations/suggest/", {"organization": "law"})
    assert b'<option value="Law School">' in suggest.content


def test_unknown_records_are_404_pages(web, db):
    assert web[Role.AGENT].get("/customers/contacts/999999/").status_code == 404
    assert web[Role.AGENT].get("/customers/organizations/999999/").status_code == 404


def test_export_from_the_page_follows_the_filters(web, people):
    response = web[Role.ACCOUNT_MANAGER].get("/customers/export/contacts.csv", {"q": "lastname5"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1 + 11  # header + Lastname5, Lastname50..59
    assert web[Role.AGENT].get("/customers/export/contacts.csv").status_code == 403


def test_the_import_wizard_upload_map_and_progress(web, cast, run_jobs, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    manager = web[Role.ACCOUNT_MANAGER]
    upload = manager.post("/customers/import/", {"file": SimpleUploadedFile("c.csv", b"Email,Name\na@x.example,A\n")})
    assert upload.status_code == 302
    mapping_page = manager.get(upload["Location"])
    assert b'<option value="Email" selected>' in mapping_page.content
    with django_capture_on_commit_callbacks(execute=True):
        started = manager.post(upload["Location"], {"map_email": "Email", "map_first_name": "Name", "run": "1"})
    assert started.status_code == 302
    run_jobs()
    progress = manager.get(started["Location"], HTTP_HX_REQUEST="true")
    assert b'data-testid="import-status">Imported' in progress.content
    assert Contact.objects.get(email="a@x.example").first_name == "A"
    bad = manager.post("/customers/import/", {"file": SimpleUploadedFile("c.csv", b"")})
    assert b"empty" in bad.content


def test_support_managers_add_segments_and_tiers_on_the_settings_page(web, db):
    response = web[Role.SUPPORT_MANAGER].post(
        "/customers/settings/", {"kind": "segment", "segment-name": "Alumni", "segment-position": 5}
    )
    assert response.status_code == 302
    assert Segment.objects.filter(name="Alumni").exists()
    duplicate = web[Role.SUPPORT_MANAGER].post(
        "/customers/settings/", {"kind": "segment", "segment-name": "alumni", "segment-position": 5}
    )
    assert b"already exists" in duplicate.content
    assert web[Role.AGENT].post("/customers/settings/", {"kind": "tier", "tier-name": "X"}).status_code == 403


def test_a_search_page_reads_a_fixed_number_of_queries(web, people):
    with CaptureQueriesContext(connection) as queries:
        page = web[Role.AGENT].get("/customers/", {"q": "lastname1"})
    assert b"Person19" in page.content
    assert len(queries) <= 7, [q["sql"] for q in queries]
