"""CSV import through the API and the real job queue: mapping, validation, dry run, idempotent upsert."""

import pytest

from heartdesk.accounts.choices import Role
from heartdesk.customers import services
from heartdesk.customers.models import Contact, ContactImport, CustomerHistory, Organization

GOOD = (
    "E-Mail;First name;Surname;Company;Persona;Tier;Owner;Tags\r\n"
    "ada@uni.example;Ada;Lovelace;Department of Mathematics;Faculty;Premium;account_manager;vip, maths\r\n"
    "\r\n"
    'grace@uni.example;Grace;"Hopper";Department of Mathematics;Staff;Basic;;\r\n'
    "linus@uni.example;Linus;Müller;Student Union;Students;;;\r\n"
).encode("latin-1")


def upload(client, data: bytes, name="contacts.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post("/api/v1/imports", {"file": SimpleUploadedFile(name, data, "text/csv")})


def start(client, job_id, **payload):
    return client.post(f"imports/{job_id}/start", payload)


def test_an_import_creates_contacts_and_organizations(api, cast, run_jobs, django_capture_on_commit_callbacks):
    manager = api[Role.ACCOUNT_MANAGER]
    uploaded = upload(manager, GOOD)
    assert uploaded.status_code == 201, uploaded.content
    job = uploaded.json()
    assert job["encoding"] in ("cp1252", "latin-1", "iso-8859-1", "windows-1252") and job["delimiter"] == ";"
    assert job["mapping"] == {
        "email": "E-Mail",
        "first_name": "First name",
        "last_name": "Surname",
        "organization": "Company",
        "segment": "Persona",
        "tier": "Tier",
        "account_manager": "Owner",
        "tags": "Tags",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert start(manager, job["id"]).status_code == 202
    run_jobs()
    done = manager.get(f"imports/{job['id']}").json()
    assert done["status"] == "done", done
    assert (done["created_count"], done["updated_count"], done["error_count"]) == (3, 0, 0)
    ada = Contact.objects.get(email="ada@uni.example")
    assert ada.organization.name == "Department of Mathematics" and ada.tier.name == "Premium"
    assert ada.account_manager == cast[Role.ACCOUNT_MANAGER]
    assert sorted(ada.tags.values_list("name", flat=True)) == ["maths", "vip"]
    assert ada.preferred_channels == ["email", "scheduled_call"]
    assert Contact.objects.get(email="linus@uni.example").last_name == "Müller"
    assert Organization.objects.count() == 2
    assert CustomerHistory.objects.filter(kind="imported").count() == 3


def test_running_the_same_file_twice_changes_nothing(api, run_jobs, django_capture_on_commit_callbacks):
    manager = api[Role.ACCOUNT_MANAGER]
    for _ in range(2):
        job = upload(manager, GOOD).json()
        with django_capture_on_commit_callbacks(execute=True):
            start(manager, job["id"])
        run_jobs()
    second = manager.get(f"imports/{job['id']}").json()
    assert (second["created_count"], second["updated_count"], second["unchanged_count"]) == (0, 0, 3)
    assert Contact.objects.count() == 3 and Organization.objects.count() == 2


def test_an_import_updates_existing_contacts_by_email(api, run_jobs, django_capture_on_commit_callbacks):
    services.contact_create(actor=None, first_name="Old", last_name="Name", email="ADA@uni.example", phone="123")
    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, b"email,first_name\nada@uni.example,Ada\n").json()
    with django_capture_on_commit_callbacks(execute=True):
        start(manager, job["id"])
    run_jobs()
    ada = Contact.objects.get()
    assert (ada.first_name, ada.last_name, ada.phone) == ("Ada", "Name", "123")  # blank cells change nothing
    entry = CustomerHistory.objects.get(contact=ada, kind="imported")
    assert entry.changes == {"first_name": ["Old", "Ada"]}


def test_a_dry_run_reports_and_writes_nothing(api, run_jobs, django_capture_on_commit_callbacks):
    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, GOOD).json()
    with django_capture_on_commit_callbacks(execute=True):
        start(manager, job["id"], dry_run=True)
    run_jobs()
    checked = manager.get(f"imports/{job['id']}").json()
    assert checked["status"] == "checked" and checked["created_count"] == 3
    assert Contact.objects.count() == 0 and Organization.objects.count() == 0
    report = manager.get(f"imports/{job['id']}/report").json()
    assert len(report["rows"]) == 3


BAD = (
    "email,first_name,tier,segment,account_manager,time_zone\n"
    "ok@uni.example,Ok,Basic,Faculty,,\n"
    "not-an-email,Bad,Basic,,,\n"
    "x@uni.example,X,Diamond,,,\n"
    "ok@uni.example,Again,,,,\n"
    "y@uni.example,Y,,Aliens,nobody,Mars/Base\n"
    ",NoEmail,,,,\n"
)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(api, run_jobs, django_capture_on_commit_callbacks):
    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, BAD.encode()).json()
    with django_capture_on_commit_callbacks(execute=True):
        start(manager, job["id"])
    run_jobs()
    result = manager.get(f"imports/{job['id']}").json()
    assert result["status"] == "rejected"
    rows = manager.get(f"imports/{job['id']}/report").json()["rows"]
    problems = {(r["line"], r["field"]) for r in rows}
    assert {
        (3, "email"),
        (4, "tier"),
        (5, "email"),
        (6, "segment"),
        (6, "account_manager"),
        (6, "time_zone"),
        (7, "email"),
    } <= problems
    assert "first on line 2" in next(r["message"] for r in rows if r["line"] == 5)
    assert "Diamond" in next(r["message"] for r in rows if r["line"] == 4)
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel"),
        (b'email,name\n"a@x.example,broken\n', "quote"),
        (b"email,name\na@x.example,A,extra,more\n", "Line 2"),
    ],
)
def test_unreadable_files_are_refused_whole_at_upload(api, data, words):
    response = upload(api[Role.ACCOUNT_MANAGER], data)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "file" and words in problem["detail"]
    assert not ContactImport.objects.exists()


def test_the_mapping_must_name_the_email_column_and_real_columns(api):
    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, b"mail address,name\na@x.example,A\n").json()
    assert job["mapping"] == {}
    missing = start(manager, job["id"], mapping={"first_name": "name"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "mapping.email"
    wrong = start(manager, job["id"], mapping={"email": "nope"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "mapping.email"
    unknown = start(manager, job["id"], mapping={"email": "mail address", "shoe_size": "name"})
    assert unknown.json()["errors"][0]["field"] == "mapping.shoe_size"


def test_agents_cannot_import(api):
    assert upload(api[Role.AGENT], GOOD).status_code == 403


def test_a_started_import_cannot_be_started_again(api, django_capture_on_commit_callbacks):
    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, GOOD).json()
    assert start(manager, job["id"]).status_code == 202
    assert start(manager, job["id"]).status_code == 409


def test_a_job_claimed_twice_runs_once(api, run_jobs, django_capture_on_commit_callbacks):
    from heartdesk.customers import importing

    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, GOOD).json()
    with django_capture_on_commit_callbacks(execute=True):
        start(manager, job["id"])
    claimed = importing.claim(job["id"])
    assert claimed is not None and importing.claim(job["id"]) is None
    importing.run_import(claimed)
    run_jobs()  # the queued task finds the job no longer pending and does nothing
    assert Contact.objects.count() == 3
    assert CustomerHistory.objects.filter(kind="imported").count() == 3


def test_a_failing_import_is_retried_later_and_fails_for_good_after_the_last_attempt(
    api, run_jobs, django_capture_on_commit_callbacks
):
    from heartdesk.core.jobs import MAX_ATTEMPTS, backoff_seconds
    from heartdesk.customers.tasks import run_contact_import

    manager = api[Role.ACCOUNT_MANAGER]
    job = upload(manager, GOOD).json()
    ContactImport.objects.get(pk=job["id"]).file.delete(save=False)  # the stored file is gone: every attempt fails
    with django_capture_on_commit_callbacks(execute=True):
        start(manager, job["id"])
    run_jobs()
    first = ContactImport.objects.get(pk=job["id"])
    assert first.status == "pending" and first.attempts == 1 and "FileNotFoundError" in first.error
    assert backoff_seconds(1) < backoff_seconds(2) < backoff_seconds(3)
    with pytest.raises(FileNotFoundError):
        run_contact_import.call(job["id"], attempt=MAX_ATTEMPTS)
    last = ContactImport.objects.get(pk=job["id"])
    assert last.status == "failed" and last.finished_at is not None
    assert Contact.objects.count() == 0
