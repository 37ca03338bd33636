"""The customer portal, security first: who can sign in, with which link, and what a contact can see."""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from heartdesk.accounts.choices import Role
from heartdesk.customers import services as customers
from heartdesk.messaging.models import OutboundEmail
from heartdesk.portal import tokens
from heartdesk.portal.views import SESSION_KEY
from heartdesk.surveys import services as surveys
from heartdesk.surveys.choices import InvitationState
from heartdesk.surveys.models import Invitation
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Channel, Direction, MessageKind, Status
from heartdesk.tickets.models import Message, Ticket
from heartdesk.tickets.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    acme = customers.organization_create(actor=None, name="Acme")
    globex = customers.organization_create(actor=None, name="Globex")
    return {
        "ann": factories.contact("ann@acme.example", organization=acme),
        "bob": factories.contact("bob@acme.example", organization=acme),
        "eve": factories.contact("eve@globex.example", organization=globex),
        "solo": factories.contact("solo@nowhere.example"),
        "other_solo": factories.contact("other@nowhere.example"),
    }


def _csrf(client) -> str:
    if "csrftoken" not in client.cookies:
        client.get("/portal/")
    return client.cookies["csrftoken"].value


def _post(client, url, data=None, **extra):
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": _csrf(client)}, **extra)


def signed_in(contact) -> Client:
    """A browser signed in the way a customer is: a fresh link, opened, then confirmed."""
    client = Client(enforce_csrf_checks=True)
    token, _ = tokens.make(contact)
    assert client.get(f"/portal/sign-in/{token}").status_code == 200
    response = _post(client, f"/portal/sign-in/{token}")
    assert response.status_code == 302 and response["Location"] == "/portal/requests/"
    return client


def _ask(client, email, ip="203.0.113.7"):
    return _post(client, "/portal/", {"email": email}, REMOTE_ADDR=ip)


# --- Signing in -----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_magic_link_travels_through_real_smtp_and_signs_the_contact_in(smtp_sink, run_jobs):
    acme = customers.organization_create(actor=None, name="Acme")
    ann = factories.contact("ann@acme.example", organization=acme)
    factories.ticket(requester=ann, subject="Printer on fire")
    client = Client(enforce_csrf_checks=True)

    response = _ask(client, "ANN@acme.example")
    assert response.status_code == 302 and response["Location"] == "/portal/sent"
    run_jobs()

    mails = [m for m in smtp_sink.messages if m["Subject"] == "Your sign-in link"]
    assert len(mails) == 1 and mails[0]["To"] == "ann@acme.example"
    url = re.search(r"https?://\S+/portal/sign-in/\S+", mails[0].get_body(("plain",)).get_content()).group(0)
    path = urlsplit(url).path
    assert client.get("/portal/requests/").status_code == 302  # not signed in yet
    assert client.get(path).status_code == 200
    assert _post(client, path).status_code == 302
    page = client.get("/portal/requests/")
    assert page.status_code == 200 and "Printer on fire" in page.content.decode()


def test_an_unknown_email_gets_the_same_page_and_no_mail(world):
    client = Client(enforce_csrf_checks=True)
    unknown = _ask(client, "nobody@nowhere.example", ip="203.0.113.1")
    known = _ask(client, "ann@acme.example", ip="203.0.113.2")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == "/portal/sent"
    assert list(OutboundEmail.objects.values_list("to", flat=True)) == [["ann@acme.example"]]
    assert "If the address is known to us" in client.get("/portal/sent").content.decode()


def test_a_removed_or_erased_contact_gets_no_link(world):
    customers.contact_delete(contact=world["bob"], actor=None)
    customers.contact_erase(contact=world["eve"], actor=None)
    client = Client(enforce_csrf_checks=True)
    assert _ask(client, "bob@acme.example")["Location"] == "/portal/sent"
    assert _ask(client, "eve@globex.example")["Location"] == "/portal/sent"
    assert not OutboundEmail.objects.exists()


def test_too_many_requests_from_one_ip_get_429(world):
    client = Client(enforce_csrf_checks=True)
    for i in range(5):
        assert _ask(client, f"x{i}@nowhere.example").status_code == 302
    response = _ask(client, "ann@acme.example")
    assert response.status_code == 429 and "Too many requests" in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_too_many_requests_for_one_email_get_429_whatever_the_ip(world):
    client = Client(enforce_csrf_checks=True)
    for i in range(5):
        assert _ask(client, "ann@acme.example", ip=f"198.51.100.{i}").status_code == 302
    assert _ask(client, "Ann@Acme.example", ip="198.51.100.99").status_code == 429
    assert OutboundEmail.objects.count() == 5


def test_a_tampered_link_is_refused_with_400(world):
    token, _ = tokens.make(world["ann"])
    forged = signing.dumps({"c": world["eve"].pk, "n": "x"}, salt="another.salt")
    client = Client(enforce_csrf_checks=True)
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        assert client.get(f"/portal/sign-in/{bad}").status_code == 400
        assert _post(client, f"/portal/sign-in/{bad}").status_code == 400
    assert SESSION_KEY not in client.session


def test_an_expired_link_is_refused_with_410(world, monkeypatch):
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - 31 * 60)
    token, _ = tokens.make(world["ann"])
    monkeypatch.setattr(signing.time, "time", real)
    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/portal/sign-in/{token}").status_code == 410
    response = _post(client, f"/portal/sign-in/{token}")
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_link_works_once_and_opening_it_does_not_use_it_up(world):
    token, _ = tokens.make(world["ann"])
    scanner = Client()
    assert scanner.get(f"/portal/sign-in/{token}").status_code == 200  # a mail scanner fetching the link
    owner = Client(enforce_csrf_checks=True)
    assert _post(owner, f"/portal/sign-in/{token}").status_code == 302
    again = Client(enforce_csrf_checks=True)
    assert again.get(f"/portal/sign-in/{token}").status_code == 410
    response = _post(again, f"/portal/sign-in/{token}")
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert SESSION_KEY not in again.session


def test_signing_in_rotates_the_session_key(world):
    client = Client(enforce_csrf_checks=True)
    _csrf(client)
    client.session.save()
    before = client.session.session_key
    token, _ = tokens.make(world["ann"])
    _post(client, f"/portal/sign-in/{token}")
    assert client.session.session_key != before and client.session[SESSION_KEY] == world["ann"].pk


def test_signing_out_ends_portal_access(world):
    client = signed_in(world["ann"])
    assert _post(client, "/portal/sign-out").status_code == 302
    assert client.get("/portal/requests/")["Location"] == "/portal/"
    assert Client().get("/portal/sign-out").status_code == 405


def test_a_contact_removed_after_signing_in_loses_access(world):
    client = signed_in(world["bob"])
    customers.contact_delete(contact=world["bob"], actor=None)
    assert client.get("/portal/requests/")["Location"] == "/portal/"


# --- Staff and portal sessions are separate -------------------------------------------------------------------


def test_a_staff_session_gives_no_portal_access(web):
    response = web[Role.ADMIN].get("/portal/requests/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_a_portal_session_gives_no_staff_access(world):
    client = signed_in(world["ann"])
    response = client.get("/tickets/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert client.get("/api/v1/tickets").status_code in (401, 403)


def test_posts_need_a_csrf_token(world):
    t = factories.ticket(requester=world["ann"])
    token, _ = tokens.make(world["ann"])
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/portal/", {"email": "ann@acme.example"}).status_code == 403
    assert anonymous.post(f"/portal/sign-in/{token}").status_code == 403
    assert SESSION_KEY not in anonymous.session
    client = signed_in(world["ann"])
    assert client.post(f"/portal/requests/{t.pk}/", {"body": "hi"}).status_code == 403
    assert client.post("/portal/requests/new", {"subject": "s", "description": "d"}).status_code == 403
    assert client.post("/portal/sign-out").status_code == 403
    assert not OutboundEmail.objects.filter(key__startswith="portal:").exists()
    assert Message.objects.filter(ticket=t).count() == 1 and Ticket.objects.count() == 1


# --- What a contact sees --------------------------------------------------------------------------------------


def _ticket_with_everything(cast, requester):
    t = factories.ticket(
        requester=requester,
        subject="Invoice question",
        attachments=[tickets.NewAttachment(filename="invoice.pdf", content=b"%PDF-1", content_type="application/pdf")],
    )
    tickets.ticket_note(
        ticket=t,
        body="Secret: customer is on the churn list",
        actor=cast[Role.AGENT],
        attachments=[tickets.NewAttachment(filename="internal.txt", content=b"secret")],
    )
    tickets.ticket_reply(ticket=t, body="We are looking into it.", actor=cast[Role.AGENT])
    return t


def test_the_list_shows_the_organizations_tickets_newest_first_with_friendly_statuses(world, cast):
    older = factories.ticket(requester=world["ann"], subject="Older")
    newer = factories.ticket(requester=world["bob"], subject="Newer", now=factories.MONDAY_10.replace(hour=11))
    factories.ticket(requester=world["eve"], subject="Globex only")
    tickets.ticket_update(ticket=newer, status=Status.PENDING, actor=cast[Role.AGENT])
    page = signed_in(world["ann"]).get("/portal/requests/").content.decode()
    assert page.index("Newer") < page.index("Older") and "Globex only" not in page
    assert older.reference in page and "Waiting for you" in page and ">Open<" in page


def test_the_list_pages_with_a_cursor(world, settings, monkeypatch):
    monkeypatch.setattr("heartdesk.portal.views.PAGE_SIZE", 2)
    for hour in range(10, 15):
        factories.ticket(requester=world["ann"], subject=f"At {hour}", now=factories.MONDAY_10.replace(hour=hour))
    client = signed_in(world["ann"])
    first = client.get("/portal/requests/").content.decode()
    assert "At 14" in first and "At 13" in first and "At 12" not in first
    cursor = re.search(r'href="\?cursor=([^"]+)">Older', first).group(1)
    second = client.get(f"/portal/requests/?cursor={cursor}").content.decode()
    assert "At 12" in second and "At 11" in second and "At 13" not in second
    assert client.get("/portal/requests/?cursor=garbage").status_code == 302


def test_a_contact_without_an_organization_sees_only_their_own_tickets(world):
    factories.ticket(requester=world["solo"], subject="Mine")
    theirs = factories.ticket(requester=world["other_solo"], subject="Theirs")
    client = signed_in(world["solo"])
    page = client.get("/portal/requests/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"/portal/requests/{theirs.pk}/").status_code == 404


def test_the_ticket_page_shows_public_messages_and_never_notes(world, cast):
    t = _ticket_with_everything(cast, world["ann"])
    page = signed_in(world["ann"]).get(f"/portal/requests/{t.pk}/").content.decode()
    assert "It is on fire." in page and "We are looking into it." in page
    assert "invoice.pdf" in page
    assert "churn list" not in page and "internal.txt" not in page
    assert "/api/v1/attachments" not in page


def test_a_colleague_in_the_same_organization_sees_the_ticket_and_its_attachments(world, cast):
    t = _ticket_with_everything(cast, world["ann"])
    client = signed_in(world["bob"])
    assert "Invoice question" in client.get(f"/portal/requests/{t.pk}/").content.decode()
    public = t.messages.get(kind=MessageKind.REPLY, direction=Direction.INBOUND).attachments.get()
    response = client.get(f"/portal/requests/{t.pk}/attachments/{public.pk}")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1"
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"


def test_another_organizations_ticket_and_attachment_are_not_found(world, cast):
    t = _ticket_with_everything(cast, world["ann"])
    public = t.messages.get(kind=MessageKind.REPLY, direction=Direction.INBOUND).attachments.get()
    eve = signed_in(world["eve"])
    assert eve.get(f"/portal/requests/{t.pk}/").status_code == 404
    assert eve.get(f"/portal/requests/{t.pk}/attachments/{public.pk}").status_code == 404
    assert _post(eve, f"/portal/requests/{t.pk}/", {"body": "let me in"}).status_code == 404
    assert eve.get("/portal/requests/999999/").status_code == 404
    own = factories.ticket(requester=world["eve"])  # a ticket of hers cannot unlock another ticket's file
    assert eve.get(f"/portal/requests/{own.pk}/attachments/{public.pk}").status_code == 404


def test_an_internal_notes_attachment_is_not_found_even_on_an_own_ticket(world, cast):
    t = _ticket_with_everything(cast, world["ann"])
    note = t.messages.get(kind=MessageKind.NOTE).attachments.get()
    assert signed_in(world["ann"]).get(f"/portal/requests/{t.pk}/attachments/{note.pk}").status_code == 404


def test_a_reply_adds_an_inbound_portal_message(world):
    t = factories.ticket(requester=world["ann"])
    client = signed_in(world["bob"])
    response = _post(client, f"/portal/requests/{t.pk}/", {"body": "Still burning."})
    assert response.status_code == 302 and response["Location"] == f"/portal/requests/{t.pk}/"
    message = t.messages.order_by("-id").first()
    assert (message.body_text, message.channel, message.direction, message.kind, message.contact) == (
        "Still burning.",
        Channel.PORTAL,
        Direction.INBOUND,
        MessageKind.REPLY,
        world["bob"],
    )
    assert _post(client, f"/portal/requests/{t.pk}/", {"body": ""}).status_code == 400


def test_a_reply_to_a_closed_ticket_opens_a_follow_up_and_the_page_says_so(world, cast):
    t = factories.ticket(requester=world["ann"])
    tickets.ticket_update(ticket=t, status=Status.SOLVED, actor=cast[Role.AGENT])
    tickets.ticket_update(ticket=t, status=Status.CLOSED, actor=cast[Role.AGENT])
    client = signed_in(world["ann"])
    assert "open a new follow-up request" in client.get(f"/portal/requests/{t.pk}/").content.decode()
    response = _post(client, f"/portal/requests/{t.pk}/", {"body": "It is back."})
    follow_up = Ticket.objects.get(follow_up_of=t)
    assert response["Location"] == f"/portal/requests/{follow_up.pk}/"
    assert follow_up.channel == Channel.PORTAL and follow_up.organization == t.organization
    assert f"opened {follow_up.reference}" in client.get(response["Location"]).content.decode()


def test_a_new_request_opens_a_portal_ticket_and_shows_errors_by_field(world):
    client = signed_in(world["ann"])
    bad = _post(client, "/portal/requests/new", {"subject": "", "description": "x"})
    assert bad.status_code == 400 and 'id="id_subject_error"' in bad.content.decode()
    response = _post(client, "/portal/requests/new", {"subject": "Need help", "description": "Please."})
    t = Ticket.objects.get(subject="Need help")
    assert response["Location"] == f"/portal/requests/{t.pk}/"
    assert (t.channel, t.requester, t.organization) == (Channel.PORTAL, world["ann"], world["ann"].organization)
    assert t.messages.get().body_text == "Please."


def test_surveys_waiting_link_to_their_page_and_answered_ones_show_as_done(world):
    t1 = factories.ticket(requester=world["ann"], subject="First")
    t2 = factories.ticket(requester=world["ann"], subject="Second")
    waiting = surveys.invitation_for_solved_ticket(ticket=t1, now=factories.MONDAY_10)
    answered = surveys.invitation_for_solved_ticket(ticket=t2, now=factories.MONDAY_10)
    # Test shortcut: put the invitations straight into the states under test (sending and answering have their
    # own tests in surveys/).
    Invitation.objects.filter(pk=waiting.pk).update(state=InvitationState.SENT, sent_at=factories.MONDAY_10)
    Invitation.objects.filter(pk=answered.pk).update(
        state=InvitationState.ANSWERED, sent_at=factories.MONDAY_10, answered_at=factories.MONDAY_10
    )
    other = surveys.invitation_for_solved_ticket(
        ticket=factories.ticket(requester=world["bob"]), now=factories.MONDAY_10
    )
    Invitation.objects.filter(pk=other.pk).update(state=InvitationState.SENT, sent_at=factories.MONDAY_10)
    page = signed_in(world["ann"]).get("/portal/surveys/").content.decode()
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert surveys.links(waiting)["page"] in page and t1.reference in page
    assert "Answered" in page and t2.reference in page and surveys.links(answered)["page"] not in page
    assert surveys.links(other)["page"] not in page  # a colleague's survey is theirs alone
