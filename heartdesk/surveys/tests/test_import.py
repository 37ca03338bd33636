"""Importing historical responses: original times, all or nothing with a report per row, dry runs, re-imports."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from heartdesk.accounts.choices import Role
from heartdesk.messaging.models import OutboundEmail
from heartdesk.surveys import importing
from heartdesk.surveys.models import FollowUp, Invitation, Response
from heartdesk.tickets.tests.factories import contact, ticket

pytestmark = pytest.mark.django_db
SURVEY = "After a solved ticket"


@pytest.fixture
def people(cast):
    ann = contact("ann@customer.example")
    bob = contact("bob@customer.example")
    t = ticket(requester=ann)
    return {"ann": ann, "bob": bob, "ticket": t, "agent": cast[Role.AGENT]}


def rows(people):
    return [
        {
            "submitted_at": "2025-03-04T09:15:00+01:00",
            "survey": SURVEY,
            "contact_email": "ann@customer.example",
            "ticket": people["ticket"].reference,
            "agent": "agent",
            "csat": 2,
            "resolved": "no",
            "response_time_ok": "yes",
            "nps": 3,
            "comment": "Nobody answered for three days, terrible.",
        },
        {
            "submitted_at": "2025-05-01T12:00:00Z",
            "survey": SURVEY,
            "contact_email": "BOB@customer.example",
            "csat": "5",
            "nps": "10",
            "comment": "",
        },
    ]


CSV = (
    "submitted_at;survey;contact_email;ticket;agent;csat;resolved;response_time_ok;nps;comment\n"
    "2024-12-01 10:00:00+00:00;After a solved ticket;ann@customer.example;;;4;yes;;9;Quick and friendly\n"
    '2024-12-02T11:30:00+02:00;after a solved ticket;bob@customer.example;;agent;1;no;no;0;"Slow, rude"\n'
)


def test_json_rows_become_responses_with_their_original_times_kpis_and_sentiment(people, api):
    response = api[Role.SUPPORT_MANAGER].post("survey-responses/import", {"responses": rows(people)})
    assert response.status_code == 200, response.content
    assert response.json()["responses"] == 2
    ann = Response.objects.get(contact=people["ann"])
    assert ann.submitted_at == dt.datetime(2025, 3, 4, 8, 15, tzinfo=dt.UTC)
    assert (ann.csat, ann.resolved, ann.response_time_ok, ann.nps) == (2, False, True, 3)
    assert ann.source == "import" and ann.invitation is None
    assert ann.ticket == people["ticket"] and ann.agent == people["agent"]
    assert ann.sentiment == "negative" and ann.version.number == 1
    assert ann.answers.count() == 5
    # History: no invitation, no email, no follow-up for a poor answer long past.
    assert not Invitation.objects.exists() and not FollowUp.objects.exists()
    assert not OutboundEmail.objects.filter(key__startswith="survey:").exists()


def test_csv_with_semicolons_and_mixed_offsets(people, cast):
    report = importing.import_responses(actor=cast[Role.SUPPORT_MANAGER], data=CSV.encode(), filename="old.csv")
    assert report.ok, report.errors
    assert report.responses == 2
    bob = Response.objects.get(contact=people["bob"])
    assert bob.submitted_at == dt.datetime(2024, 12, 2, 9, 30, tzinfo=dt.UTC)
    assert (bob.csat, bob.resolved, bob.response_time_ok, bob.nps, bob.agent) == (1, False, False, 0, people["agent"])


def test_bad_rows_are_a_422_naming_each_problem_and_nothing_is_written(people, api):
    bad = rows(people)
    bad[0]["csat"] = 6
    bad[0]["submitted_at"] = "2025-03-04 09:15"
    bad[1]["survey"] = "Nope"
    bad.append(
        {
            "submitted_at": "2025-01-01T00:00:00Z",
            "survey": SURVEY,
            "contact_email": "who@x.example",
            "ticket": "HD-999999",
            "agent": "ghost",
            "csat": 3,
        }
    )
    response = api[Role.SUPPORT_MANAGER].post("survey-responses/import", bad)
    assert response.status_code == 422
    problems = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert problems >= {
        (1, "csat"),
        (1, "submitted_at"),
        (2, "survey"),
        (3, "contact_email"),
        (3, "ticket"),
        (3, "agent"),
    }
    assert Response.objects.count() == 0


def test_a_value_the_survey_has_no_question_for_is_a_problem(people, cast):
    from heartdesk.surveys import builder

    builder.survey_create(
        actor=None,
        name="Only NPS",
        kind="relationship",
        questions=[{"kind": "nps", "role": "nps", "text": "Recommend?"}],
    )
    row = {
        "submitted_at": "2025-01-01T00:00:00Z",
        "survey": "Only NPS",
        "contact_email": "ann@customer.example",
        "csat": 3,
        "comment": "ok",
    }
    report = importing.import_responses(actor=None, data=json.dumps([row]).encode(), format="json")
    assert {e["field"] for e in report.errors} == {"csat", "comment"}


def test_a_dry_run_writes_nothing_and_a_reimport_is_skipped(people, api):
    manager = api[Role.SUPPORT_MANAGER]
    body = {"responses": rows(people)}
    dry = manager.post("survey-responses/import?dry_run=true", body)
    assert dry.status_code == 200 and dry.json()["responses"] == 2 and dry.json()["dry_run"]
    assert Response.objects.count() == 0
    assert manager.post("survey-responses/import", body).json()["responses"] == 2
    again = manager.post("survey-responses/import", body).json()
    assert again["responses"] == 0 and len(again["skipped"]) == 2
    assert Response.objects.count() == 2


def test_the_same_response_twice_in_one_file_is_a_problem(people):
    twice = [rows(people)[1], rows(people)[1]]
    report = importing.import_responses(actor=None, data=json.dumps(twice).encode(), format="json")
    assert not report.ok and report.errors[0]["row"] == 2


def test_a_multipart_upload_works_and_agents_are_refused(people, api):
    upload = SimpleUploadedFile("old.csv", CSV.encode(), content_type="text/csv")
    response = api[Role.SUPPORT_MANAGER].client.post("/api/v1/survey-responses/import", {"file": upload})
    assert response.status_code == 200 and response.json()["responses"] == 2
    assert api[Role.AGENT].post("survey-responses/import", rows(people)).status_code == 403


def test_the_import_page_checks_then_imports(people, web):
    client = web[Role.SUPPORT_MANAGER]
    page = client.post("/surveys/manage/import/", {"file": SimpleUploadedFile("a.csv", CSV.encode()), "dry_run": "on"})
    assert page.status_code == 200 and b"Ready to import" in page.content
    assert Response.objects.count() == 0
    page = client.post("/surveys/manage/import/", {"file": SimpleUploadedFile("a.csv", CSV.encode())})
    assert b"Imported" in page.content and Response.objects.count() == 2
    broken = CSV.replace(";4;", ";7;")
    page = client.post("/surveys/manage/import/", {"file": SimpleUploadedFile("b.csv", broken.encode())})
    assert page.status_code == 422 and b"nothing was imported" in page.content
    assert web[Role.AGENT].get("/surveys/manage/import/").status_code == 403
