"""Importing ticket history (JSON and CSV): original times, SLA outcomes replayed, all or nothing, idempotent."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from heartdesk.accounts.choices import Role
from heartdesk.customers.models import Contact, Organization
from heartdesk.messaging.models import Notification, OutboundEmail
from heartdesk.tickets import importing
from heartdesk.tickets.choices import ClockState, EventKind, Status, Target
from heartdesk.tickets.models import Message, SlaClock, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
URL = "/api/v1/tickets/import"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def upload(client, name: str, *, query: str = ""):
    file = SimpleUploadedFile(name, sample(name))
    return client.client.post(f"{URL}{query}", {"file": file})


def imported(external_id: str) -> Ticket:
    return TicketEvent.objects.get(kind=EventKind.IMPORTED, data__external_id=external_id).ticket


def clock(ticket: Ticket, target: str) -> SlaClock:
    return SlaClock.objects.filter(ticket=ticket, target=target).order_by("id").last()


def assert_history_replayed():
    assert Ticket.objects.count() == 3
    # ZD-101: P2 (first response 1 business hour) answered after 2 hours -> breached at the due time.
    late = imported("ZD-101")
    assert late.priority == "p2" and late.status == Status.SOLVED
    assert late.created_at == at("2026-11-09T10:00:00+00:00")
    assert late.first_response_at == at("2026-11-09T12:00:00+00:00")
    assert late.solved_at == at("2026-11-09T13:00:00+00:00")
    first = clock(late, Target.FIRST_RESPONSE)
    assert first.state == ClockState.BREACHED
    assert first.breached_at == at("2026-11-09T11:00:00+00:00")
    assert first.stopped_at == at("2026-11-09T12:00:00+00:00")
    assert clock(late, Target.RESOLUTION).state == ClockState.FULFILLED
    assert late.organization.name == "Northwind"
    assert late.assignee.username == "agent"
    assert [m.created_at for m in late.messages.all()] == [
        at("2026-11-09T10:00:00+00:00"),
        at("2026-11-09T12:00:00+00:00"),
    ]
    solved = TicketEvent.objects.get(ticket=late, kind=EventKind.STATUS, data__new=Status.SOLVED)
    assert solved.created_at == at("2026-11-09T13:00:00+00:00")
    assert TicketEvent.objects.get(ticket=late, kind=EventKind.CREATED).created_at == late.created_at

    # ZD-102: P3, answered within the hour, solved then closed; the private note moved no clock.
    met = imported("ZD-102")
    assert met.status == Status.CLOSED
    assert met.closed_at == at("2026-11-12T11:00:00+00:00")
    assert clock(met, Target.FIRST_RESPONSE).state == ClockState.FULFILLED
    assert clock(met, Target.FIRST_RESPONSE).breached_at is None
    assert clock(met, Target.RESOLUTION).state == ClockState.FULFILLED
    messages = list(met.messages.order_by("created_at"))
    assert [m.kind for m in messages] == ["reply", "note", "reply"]  # sorted by time, not file order
    assert messages[1].author.username == "engineer"
    assert messages[2].author.username == "agent"

    # ZD-103: solved, reopened by the customer next day, solved again: one resolution clock, 1.5 h of 4 used.
    reopened = imported("ZD-103")
    assert reopened.status == Status.SOLVED
    assert reopened.reopen_count == 1
    assert reopened.first_contact_resolution is False
    assert reopened.solved_at == at("2026-11-12T09:30:00+00:00")
    resolution = clock(reopened, Target.RESOLUTION)
    assert resolution.state == ClockState.FULFILLED
    assert resolution.elapsed_seconds == 90 * 60
    assert SlaClock.objects.filter(ticket=reopened, target=Target.RESOLUTION).count() == 1
    reopen = TicketEvent.objects.get(ticket=reopened, kind=EventKind.REOPENED)
    assert reopen.created_at == at("2026-11-12T09:00:00+00:00")

    # History sends nothing.
    assert not OutboundEmail.objects.exists()
    assert not Notification.objects.exists()
    for ticket in (late, met, reopened):
        event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.IMPORTED)
        assert event.actor_label == "import"


def test_a_json_export_is_replayed_with_its_times_and_sla_outcomes(api):
    response = upload(api[Role.SUPPORT_MANAGER], "history.json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["tickets"] == 3
    assert body["messages"] == 9
    assert body["skipped"] == [] and body["errors"] == []
    assert_history_replayed()
    assert TicketEvent.objects.get(ticket=imported("ZD-101"), kind=EventKind.IMPORTED).data["source"] == "json"


def test_the_csv_form_of_the_same_history_gives_the_same_result(api):
    response = upload(api[Role.ADMIN], "history.csv")
    assert response.status_code == 200, response.json()
    assert response.json()["tickets"] == 3
    assert_history_replayed()
    assert imported("ZD-102").messages.order_by("created_at").last().body_text == "Customers,\nthen Export."


def test_a_json_body_is_accepted_as_well_as_an_upload(api):
    client = api[Role.SUPPORT_MANAGER].client
    response = client.post(URL, sample("history.json"), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Ticket.objects.count() == 3


def test_a_bad_file_is_refused_whole_with_every_problem_named(api):
    contacts = Contact.objects.count()
    response = upload(api[Role.SUPPORT_MANAGER], "bad.json")
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    problems = {(e["ticket"], e["field"]) for e in body["errors"]}
    assert ("BAD-1", "created_at") in problems
    assert ("BAD-2", "status") in problems
    assert ("BAD-3", "assignee") in problems
    assert ("BAD-3", "messages[1].author") in problems
    assert all(e["row"] for e in body["errors"])
    assert "ghost" in next(e["message"] for e in body["errors"] if e["field"] == "assignee")
    assert Ticket.objects.count() == 0  # not even the good OK-4
    assert Contact.objects.count() == contacts
    assert not TicketEvent.objects.exists()


def test_a_bad_csv_row_is_named_by_its_line_and_column(api):
    text = sample("history.csv").decode().replace(";agent;yes;Sorry", ";ghost;yes;Sorry")
    text = text.replace("2026-11-11T09:30:00Z", "yesterday")
    response = api[Role.ADMIN].client.post(URL, {"file": SimpleUploadedFile("x.csv", text.encode("cp1252"))})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"ticket": "ZD-101", "row": 3, "field": "message_author"}.items() <= errors[0].items()
    assert any(e["ticket"] == "ZD-103" and e["field"] == "message_created_at" for e in errors)
    assert Ticket.objects.count() == 0


def test_a_message_before_the_ticket_was_created_is_an_error(cast):
    data = sample("history.json").replace(b'"2026-11-10T09:40:00Z"', b'"2026-11-10T08:40:00Z"')
    report = importing.import_tickets(actor=cast[Role.ADMIN], data=data, filename="h.json")
    assert not report.ok
    assert report.errors == [
        {
            "ticket": "ZD-102",
            "row": 2,
            "field": "messages[0].created_at",
            "message": report.errors[0]["message"],
        }
    ]
    assert "before the ticket was created" in report.errors[0]["message"]


def test_a_time_without_an_offset_is_refused(cast):
    data = sample("history.json").replace(b'"2026-11-11T09:00:00Z"', b'"2026-11-11T09:00:00"', 1)
    report = importing.import_tickets(actor=cast[Role.ADMIN], data=data, filename="h.json")
    assert [(e["ticket"], e["field"]) for e in report.errors] == [("ZD-103", "created_at")]
    assert "time zone" in report.errors[0]["message"]


def test_a_refusal_found_while_replaying_rolls_everything_back(cast):
    # A customer writing after the ticket was closed would split off a follow-up ticket: refused, not guessed.
    data = sample("history.json").replace(
        b'"closed_at": "2026-11-12T11:00:00Z"', b'"closed_at": "2026-11-10T09:50:00Z"'
    )
    report = importing.import_tickets(actor=cast[Role.ADMIN], data=data, filename="h.json")
    assert not report.ok
    assert report.errors[0]["ticket"] == "ZD-102"
    assert Ticket.objects.count() == 0
    assert not Organization.objects.exists()


def test_importing_the_same_file_twice_changes_nothing(api):
    client = api[Role.SUPPORT_MANAGER]
    assert upload(client, "history.json").status_code == 200
    before = (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count())
    response = upload(client, "history.csv")
    assert response.status_code == 200
    body = response.json()
    assert body["tickets"] == 0
    assert [s["ticket"] for s in body["skipped"]] == ["ZD-101", "ZD-102", "ZD-103"]
    assert body["skipped"][0]["reference"] == imported("ZD-101").reference
    assert (Ticket.objects.count(), Message.objects.count(), TicketEvent.objects.count()) == before


def test_a_dry_run_reports_and_writes_nothing(api):
    response = upload(api[Role.SUPPORT_MANAGER], "history.json", query="?dry_run=true")
    assert response.status_code == 200
    body = response.json()
    assert (body["tickets"], body["messages"], body["dry_run"]) == (3, 9, True)
    assert body["created"] == []
    assert not Ticket.objects.exists()
    assert not Contact.objects.exists()
    assert not SlaClock.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.ENGINEER, Role.EXECUTIVE])
def test_only_managers_may_import(api, role):
    response = upload(api[role], "history.json")
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_the_command_imports_and_dry_runs(cast):
    out = StringIO()
    call_command("import-tickets", str(SAMPLES / "history.csv"), "--dry-run", stdout=out)
    assert "would import 3 tickets" in out.getvalue()
    assert not Ticket.objects.exists()
    call_command("import-tickets", str(SAMPLES / "history.json"), stdout=out)
    assert Ticket.objects.count() == 3
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import-tickets", str(SAMPLES / "bad.json"), stdout=out, stderr=StringIO())


def test_the_import_page_checks_then_imports(web):
    page = web[Role.SUPPORT_MANAGER]
    assert page.get("/tickets/import/").status_code == 200
    checked = page.post(
        "/tickets/import/", {"file": SimpleUploadedFile("h.json", sample("history.json")), "dry_run": "on"}
    )
    assert checked.status_code == 200
    assert b"Ready to import" in checked.content and not Ticket.objects.exists()
    refused = page.post("/tickets/import/", {"file": SimpleUploadedFile("bad.json", sample("bad.json"))})
    assert refused.status_code == 422 and b"BAD-2" in refused.content
    done = page.post("/tickets/import/", {"file": SimpleUploadedFile("h.csv", sample("history.csv"))})
    assert b"Imported" in done.content and Ticket.objects.count() == 3
    assert web[Role.AGENT].get("/tickets/import/").status_code == 403
