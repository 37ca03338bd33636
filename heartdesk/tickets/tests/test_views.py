"""The agent workspace pages: each renders, writes go through the services, bad input is a field error (200, not
500) and writes nothing, executives read but cannot write, and the query counts of the two busy pages are pinned."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from heartdesk.accounts.choices import Role
from heartdesk.customers.models import Contact
from heartdesk.tickets import rca, services
from heartdesk.tickets.choices import Level, LinkKind, MessageKind, Status
from heartdesk.tickets.models import (
    Attachment,
    CannedResponse,
    Message,
    RootCauseAnalysis,
    SavedFilter,
    Ticket,
    TicketLink,
)
from heartdesk.tickets.tests.factories import contact, ticket

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"tickets:{name}", args=args)


@pytest.fixture
def t(cast):
    return ticket(subject="Printer on fire", priority="p3")


# --- Pages render --------------------------------------------------------------------------------------------


def test_the_home_page_and_login_lead_to_the_queue(web):
    response = web[Role.AGENT].get("/")
    assert response.status_code == 302 and response["Location"] == _url("queue")


def test_the_queue_page_lists_open_tickets_with_queue_counts_and_badges(web, t):
    response = web[Role.AGENT].get(_url("queue") + "?queue=unassigned")
    assert response.status_code == 200
    html = response.content.decode()
    assert t.reference in html and "Printer on fire" in html
    assert "P3 Medium" in html and "data-due=" in html
    assert "Unassigned" in html and "My teams" in html
    assert 'href="/tickets/?queue=unassigned" aria-current="page"' in html


def test_the_queue_table_alone_is_rendered_for_htmx(web, t):
    response = web[Role.AGENT].get(_url("queue") + "?priority=p3", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert t.reference in html and "<aside" not in html
    other = web[Role.AGENT].get(_url("queue") + "?priority=p1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert f">{t.reference}<" not in other.content.decode()


def test_a_bad_filter_is_reported_not_a_500(web, t):
    response = web[Role.AGENT].get(_url("queue") + "?priority=p9")
    assert response.status_code == 200
    assert "priority" in response.content.decode()


def test_the_ticket_page_shows_the_conversation_timeline_clocks_and_requester(web, cast, t):
    services.ticket_note(ticket=t, body="Check the toner.", actor=cast[Role.AGENT])
    response = web[Role.AGENT].get(_url("ticket", t.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "It is on fire." in html and "Check the toner." in html
    assert 'class="msg note outbound"' in html and "Internal note" in html
    assert "First response" in html and "data-due=" in html
    assert "ann@customer.example" in html
    assert "HEART reply" in html  # the canned response picker


def test_the_new_ticket_and_notifications_pages_render(web, t):
    assert web[Role.AGENT].get(_url("new")).status_code == 200
    assert web[Role.AGENT].get(reverse("messaging:notifications")).status_code == 200


def test_an_executive_can_read_but_not_write(web, cast, t):
    executive = web[Role.EXECUTIVE]
    assert executive.get(_url("queue")).status_code == 200
    assert executive.get(_url("ticket", t.pk)).status_code == 200
    for name, data in [
        ("message", {"kind": "reply", "body": "Hi"}),
        ("properties", {"status": "open", "priority": "p3", "type": "question"}),
        ("level", {"direction": "up", "reason": "x"}),
        ("link", {"reference": "HD-1", "kind": "related"}),
        ("rca", {"summary": "x"}),
    ]:
        assert executive.post(_url(name, t.pk), data).status_code == 403
    assert executive.post(_url("filter_create"), {"name": "x", "query": ""}).status_code == 403
    assert executive.get(_url("new")).status_code == 403
    assert Message.objects.filter(ticket=t).count() == 1


def test_a_get_on_a_write_url_is_refused(web, t):
    assert web[Role.AGENT].get(_url("message", t.pk)).status_code == 405


# --- The composer ----------------------------------------------------------------------------------------------


def test_a_reply_with_a_status_and_a_promise_is_sent(web, cast, t):
    promise = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = web[Role.AGENT].post(
        _url("message", t.pk),
        {
            "kind": "reply",
            "body": "We are on it.",
            "status": "pending",
            "promise_at": promise,
            "attachments": [SimpleUploadedFile("log.txt", b"hello", "text/plain")],
        },
    )
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.status == Status.PENDING and t.assignee == cast[Role.AGENT]
    reply = Message.objects.get(ticket=t, kind=MessageKind.REPLY, direction="outbound")
    assert reply.body_text == "We are on it."
    assert Attachment.objects.get(message=reply).filename == "log.txt"
    assert t.clocks.filter(target="promise").exists()
    page = web[Role.AGENT].get(_url("ticket", t.pk)).content.decode()
    assert "We are on it." in page and "Reply sent." in page and "Pending on customer" in page
    assert f"/api/v1/attachments/{Attachment.objects.get().pk}" in page


def test_a_note_is_added(web, t):
    response = web[Role.AGENT].post(_url("message", t.pk), {"kind": "note", "body": "Internal only."})
    assert response.status_code == 302
    assert Message.objects.get(ticket=t, kind=MessageKind.NOTE).body_text == "Internal only."


def test_an_empty_reply_is_a_field_error_and_writes_nothing(web, t):
    response = web[Role.AGENT].post(_url("message", t.pk), {"kind": "reply", "body": "  "})
    assert response.status_code == 200
    assert "The reply must not be empty." in response.content.decode()
    assert Message.objects.filter(ticket=t).count() == 1


def test_a_promise_in_the_past_is_a_field_error(web, t):
    response = web[Role.AGENT].post(
        _url("message", t.pk), {"kind": "reply", "body": "Soon", "promise_at": "2001-01-01T10:00"}
    )
    assert response.status_code == 200
    assert "The promised time must be in the future." in response.content.decode()
    assert Message.objects.filter(ticket=t).count() == 1


def test_a_reply_with_a_refused_status_shows_the_409_and_writes_nothing(web, t):
    response = web[Role.AGENT].post(_url("message", t.pk), {"kind": "reply", "body": "Done", "status": "closed"})
    assert response.status_code == 200
    assert "cannot go from open to closed" in response.content.decode()
    assert Message.objects.filter(ticket=t).count() == 1
    t.refresh_from_db()
    assert t.status == Status.NEW


# --- Properties, level, links, RCA ----------------------------------------------------------------------------


def test_properties_are_saved_through_the_service(web, cast, t):
    agent = cast[Role.AGENT]
    response = web[Role.AGENT].post(
        _url("properties", t.pk),
        {
            "status": "open",
            "priority": "p2",
            "type": "incident",
            "assignee": agent.pk,
            "team": "",
            "category": "Printers",
            "tags": "hardware, fire",
        },
    )
    assert response.status_code == 302
    t.refresh_from_db()
    assert (t.status, t.priority, t.type, t.assignee, t.category) == ("open", "p2", "incident", agent, "Printers")
    assert sorted(t.tags.values_list("name", flat=True)) == ["fire", "hardware"]


def test_a_refused_status_change_shows_the_409_message_not_a_500(web, t):
    response = web[Role.AGENT].post(
        _url("properties", t.pk), {"status": "closed", "priority": "p3", "type": "question"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A ticket cannot go from new to closed" in html
    t.refresh_from_db()
    assert t.status == Status.NEW


def test_escalating_needs_a_reason_then_raises_the_level(web, t):
    response = web[Role.AGENT].post(_url("level", t.pk), {"direction": "up", "to_level": "", "reason": ""})
    assert response.status_code == 200
    assert "The reason must not be empty." in response.content.decode()
    t.refresh_from_db()
    assert t.level == Level.L1
    response = web[Role.AGENT].post(_url("level", t.pk), {"direction": "up", "to_level": "l3", "reason": "Bug"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.level == Level.L3
    web[Role.AGENT].post(_url("level", t.pk), {"direction": "down", "to_level": "", "reason": "Workaround"})
    t.refresh_from_db()
    assert t.level == Level.L2


def test_de_escalating_below_level_one_is_a_field_error(web, t):
    response = web[Role.AGENT].post(_url("level", t.pk), {"direction": "down", "reason": "x"})
    assert response.status_code == 200
    assert "already at level 1" in response.content.decode()


def test_a_link_is_added_by_reference_and_removed(web, t):
    other = ticket(requester=Contact.objects.get(), subject="Second")
    response = web[Role.AGENT].post(_url("link", t.pk), {"reference": other.reference, "kind": LinkKind.RELATED})
    assert response.status_code == 302
    link = TicketLink.objects.get(source=t, target=other)
    assert other.reference in web[Role.AGENT].get(_url("ticket", t.pk)).content.decode()
    assert web[Role.AGENT].post(_url("unlink", t.pk, link.pk)).status_code == 302
    assert not TicketLink.objects.exists()


def test_an_unknown_or_self_link_is_a_field_error(web, t):
    response = web[Role.AGENT].post(_url("link", t.pk), {"reference": "HD-999999", "kind": "related"})
    assert response.status_code == 200 and "No ticket" in response.content.decode()
    response = web[Role.AGENT].post(_url("link", t.pk), {"reference": t.reference, "kind": "related"})
    assert response.status_code == 200 and "cannot be linked to itself" in response.content.decode()
    assert not TicketLink.objects.exists()


def test_a_p1_shows_the_rca_form_and_saves_an_rca(web, cast):
    p1 = ticket(priority="p1")
    assert "Root cause analysis" in web[Role.AGENT].get(_url("ticket", p1.pk)).content.decode()
    owner = cast[Role.ENGINEER]
    response = web[Role.AGENT].post(
        _url("rca", p1.pk),
        {
            "summary": "A fuse blew.",
            "category": "infrastructure",
            "action_0_description": "Replace fuses",
            "action_0_owner": owner.pk,
            "action_0_due_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    rca = RootCauseAnalysis.objects.get(ticket=p1)
    assert rca.actions.get().owner == owner
    assert "Replace fuses" in web[Role.AGENT].get(_url("ticket", p1.pk)).content.decode()


def test_an_rca_without_actions_or_with_a_row_missing_its_owner_is_a_field_error(web):
    p1 = ticket(priority="p1")
    response = web[Role.AGENT].post(_url("rca", p1.pk), {"summary": "A fuse blew.", "category": "infrastructure"})
    assert response.status_code == 200
    assert "Name at least one corrective action" in response.content.decode()
    response = web[Role.AGENT].post(
        _url("rca", p1.pk),
        {
            "summary": "A fuse blew.",
            "category": "infrastructure",
            "action_1_description": "Replace fuses",
            "action_1_due_date": "2026-12-01",
        },
    )
    assert response.status_code == 200
    assert "Each corrective action needs an owner." in response.content.decode()
    assert not RootCauseAnalysis.objects.exists()


# --- New ticket -----------------------------------------------------------------------------------------------


def test_logging_a_call_creates_the_contact_and_the_ticket(web, cast):
    response = web[Role.AGENT].post(
        _url("new"),
        {
            "email": "bob@caller.example",
            "first_name": "Bob",
            "last_name": "Caller",
            "subject": "Cannot log in",
            "channel": "phone",
            "type": "question",
            "priority": "p2",
            "body": "Caller could not log in.",
            "call_duration": "12:30",
            "assignee": cast[Role.AGENT].pk,
            "team": "",
        },
    )
    new = Ticket.objects.get(subject="Cannot log in")
    assert response.status_code == 302 and response["Location"] == _url("ticket", new.pk)
    assert new.requester.email == "bob@caller.example" and new.call_duration_seconds == 750
    assert new.first_response_at is not None and new.assignee == cast[Role.AGENT]


def test_logging_a_call_for_an_existing_contact_reuses_it(web):
    existing = contact(email="ann@customer.example")
    web[Role.AGENT].post(
        _url("new"),
        {"email": "ANN@customer.example", "subject": "Again", "channel": "chat", "type": "question", "priority": "p3"},
    )
    assert Ticket.objects.get(subject="Again").requester == existing
    assert Contact.objects.count() == 1


def test_a_bad_call_duration_is_a_field_error_and_creates_nothing(web):
    response = web[Role.AGENT].post(
        _url("new"),
        {
            "email": "new@x.example",
            "subject": "S",
            "channel": "phone",
            "type": "question",
            "priority": "p3",
            "call_duration": "ten",
        },
    )
    assert response.status_code == 200
    assert "minutes:seconds" in response.content.decode()
    assert not Ticket.objects.exists() and not Contact.objects.exists()


def test_a_service_refusal_on_create_rolls_back_the_new_contact(web):
    response = web[Role.AGENT].post(
        _url("new"),
        {
            "email": "new@x.example",
            "subject": "S",
            "channel": "phone",
            "type": "question",
            "priority": "p3",
            "call_duration": "1500:00",
        },
    )
    assert response.status_code == 200
    assert "call duration" in response.content.decode()
    assert not Ticket.objects.exists() and not Contact.objects.exists()


# --- Saved filters --------------------------------------------------------------------------


def test_a_filter_is_saved_listed_and_removed(web, cast, t):
    response = web[Role.AGENT].post(
        _url("filter_create"), {"name": "Urgent", "query": "queue=open&priority=p1&cursor=x"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=cast[Role.AGENT])
    assert saved.query == "queue=open&priority=p1"
    assert (
        'href="/tickets/?queue=open&amp;priority=p1">Urgent</a>' in web[Role.AGENT].get(_url("queue")).content.decode()
    )
    web[Role.AGENT].post(_url("filter_delete", saved.pk))
    assert not SavedFilter.objects.exists()


def test_a_nameless_duplicate_or_invalid_filter_is_a_field_error(web, cast):
    response = web[Role.AGENT].post(_url("filter_create"), {"name": "", "query": "queue=mine"})
    assert response.status_code == 200 and "Give the filter a name." in response.content.decode()
    response = web[Role.AGENT].post(_url("filter_create"), {"name": "Odd", "query": "priority=p9"})
    assert response.status_code == 200 and "The filter is not valid" in response.content.decode()
    web[Role.AGENT].post(_url("filter_create"), {"name": "Mine", "query": "queue=mine"})
    response = web[Role.AGENT].post(_url("filter_create"), {"name": "Mine", "query": "queue=team"})
    assert response.status_code == 200 and "already have a filter" in response.content.decode()
    assert SavedFilter.objects.count() == 1


# --- Query counts ---------------------------------------------------------------------------------------------


def test_the_queue_page_costs_a_fixed_number_of_queries(web, cast, django_assert_max_num_queries):
    requester = contact()
    for i in range(30):
        ticket(requester=requester, subject=f"T{i}", team=None)
    client = web[Role.AGENT]
    with django_assert_max_num_queries(9):
        response = client.get(_url("queue") + "?queue=team")
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        client.get(_url("queue") + "?queue=open")


def test_the_ticket_page_costs_the_same_however_many_messages(
    web, cast, t, django_assert_num_queries, django_assert_max_num_queries
):
    agent = cast[Role.AGENT]
    CannedResponse.objects.get_or_create(title="Thanks", defaults={"body": "Thanks!"})
    client = web[Role.AGENT]
    client.get(_url("ticket", t.pk))  # warm the session
    # Session and user; the ticket with its people, organization, tier and policy; its tags; the agents and the
    # teams (once, for every select); clocks; links; messages; their attachments; timeline; escalations; the
    # requester's recent tickets; canned responses. (Was 16: clock events and followers, which it does not show.)
    with django_assert_num_queries(14) as few:
        client.get(_url("ticket", t.pk))
    for i in range(10):
        services.ticket_reply(
            ticket=t,
            body=f"Reply {i}",
            actor=agent,
            attachments=[services.NewAttachment(filename=f"{i}.txt", content=b"x")],
        )
        services.ticket_note(ticket=t, body=f"Note {i}", actor=agent)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(_url("ticket", t.pk))
    assert "Reply 9" in response.content.decode()


def test_a_p1_ticket_page_adds_only_its_rca(web, cast, django_assert_num_queries):
    p1 = ticket(subject="Outage", priority="p1", assignee=cast[Role.AGENT])  # shown by id: no query for the agent
    client = web[Role.AGENT]
    client.get(_url("ticket", p1.pk))  # warm the session
    with django_assert_num_queries(15):
        response = client.get(_url("ticket", p1.pk))
    assert 'id="rca"' in response.content.decode()
    rca.rca_save(
        ticket=p1,
        summary="A fuse blew.",
        category="infrastructure",
        actions=[rca.ActionIn(description="Replace fuses", owner=cast[Role.AGENT], due_date=dt.date(2026, 12, 1))],
        actor=cast[Role.AGENT],
    )
    with django_assert_num_queries(16):  # and its corrective actions
        response = client.get(_url("ticket", p1.pk))
    assert "Replace fuses" in response.content.decode()


def test_a_p3_ticket_page_builds_no_rca_form(web, t):
    response = web[Role.AGENT].get(_url("ticket", t.pk))
    assert 'id="rca"' not in response.content.decode() and response.context["rca_form"] is None
