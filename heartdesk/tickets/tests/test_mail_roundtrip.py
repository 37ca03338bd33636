"""Mail in and out through real SMTP servers on 127.0.0.1: receive, thread, reply, never loop."""

import datetime as dt
import smtplib
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.utils import timezone

from heartdesk.accounts.choices import Role
from heartdesk.messaging.models import OutboundEmail
from heartdesk.tickets import services
from heartdesk.tickets.choices import InboundState, Level, Status
from heartdesk.tickets.mail.receiver import Receiver
from heartdesk.tickets.models import InboundMail, Message, Ticket
from heartdesk.tickets.sla import sweep

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    with Receiver(host="127.0.0.1", port=0, domains=set()) as running:
        yield running


def send(receiver, message: EmailMessage | bytes, sender="ann@customer.example"):
    host, port = receiver.address
    with smtplib.SMTP(host, port) as client:
        raw = message if isinstance(message, bytes) else message.as_bytes(policy=SMTP)  # CRLF, as clients send
        client.sendmail(sender, ["support@heartdesk.localhost"], raw)


def mail(
    subject="Printer on fire", body="Help, it is on fire.", sender="Ann Example <ann@customer.example>", **headers
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@heartdesk.localhost"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", f"<{timezone.now().timestamp()}@customer.example>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def test_mail_becomes_a_ticket_an_agent_answers_the_customer_reply_threads_and_a_breach_escalates(
    cast, receiver, smtp_sink, run_jobs
):
    send(receiver, mail(message_id="<first@customer.example>"))
    run_jobs()  # process the stored message; send the acknowledgement
    ticket = Ticket.objects.get()
    assert ticket.subject == "Printer on fire" and ticket.channel == "email"
    assert ticket.requester.email == "ann@customer.example"
    assert ticket.first_response_due is not None and ticket.resolution_due is not None
    ack = smtp_sink.messages[-1]
    assert f"[{ticket.reference}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-generated"
    assert "first response by" in ack.get_body(("plain",)).get_content()

    agent = cast[Role.AGENT]
    services.ticket_reply(ticket=ticket, body="Unplug it, please.", actor=agent, status=Status.PENDING)
    run_jobs()
    reply = smtp_sink.messages[-1]
    assert reply["In-Reply-To"] == "<first@customer.example>"
    assert f"ticket-{ticket.pk}@" in reply["References"]
    assert reply.get_body(("html",)) is not None and "Unplug it" in reply.get_body(("plain",)).get_content()

    answer = mail(
        subject=f"Re: {reply['Subject']}",
        body="Done, thanks.\n\nOn Monday, Support wrote:\n> Unplug it, please.",
        message_id="<second@customer.example>",
        In_Reply_To=reply["Message-ID"],
        References=reply["References"] + " " + reply["Message-ID"],
    )
    send(receiver, answer)
    run_jobs()
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert ticket.status == Status.OPEN  # the customer's reply resumed it
    threaded = Message.objects.get(message_id="second@customer.example")
    assert threaded.ticket_id == ticket.pk and threaded.body_text == "Done, thanks."

    counts = sweep.run(now=timezone.now() + dt.timedelta(days=10))
    assert counts["breached"] >= 1
    ticket.refresh_from_db()
    assert ticket.breached and ticket.level == Level.L2  # the seeded rule raises one level on breach
    assert ticket.events.filter(kind="escalated").exists()
    assert sweep.run(now=timezone.now() + dt.timedelta(days=10))["breached"] == 0  # recorded once


def test_the_same_message_twice_is_stored_twice_but_makes_one_ticket(receiver, run_jobs, smtp_sink):
    message = mail(message_id="<dup@customer.example>")
    send(receiver, message)
    send(receiver, message)
    run_jobs()
    assert InboundMail.objects.count() == 2
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.filter(state=InboundState.IGNORED, detail__contains="duplicate").count() == 1


def test_an_auto_reply_never_gets_an_answer_and_never_loops(cast, receiver, run_jobs, smtp_sink):
    send(receiver, mail(message_id="<q@customer.example>"))
    run_jobs()
    ticket = Ticket.objects.get()
    services.ticket_reply(ticket=ticket, body="On it.", actor=cast[Role.AGENT])
    run_jobs()
    sent = len(smtp_sink.messages)
    reply = smtp_sink.messages[-1]
    ooo = mail(
        subject=f"Automatic reply: {reply['Subject']}",
        body="I am out of office.",
        message_id="<ooo@customer.example>",
        In_Reply_To=reply["Message-ID"],
        Auto_Submitted="auto-replied",
    )
    send(receiver, ooo)
    own = mail(subject="loop", body="x", message_id="<loop@x>", X_Heartdesk_Loop="heartdesk.localhost")
    send(receiver, own, sender="support@heartdesk.localhost")
    bulk = mail(subject="Newsletter", body="News", message_id="<news@x>", Precedence="bulk", sender="news@x.example")
    send(receiver, bulk, sender="news@x.example")
    run_jobs()
    assert len(smtp_sink.messages) == sent  # nothing answered anything
    assert InboundMail.objects.filter(state=InboundState.IGNORED).count() == 2
    assert Ticket.objects.filter(subject="Newsletter").exists()  # bulk mail is kept as a ticket, never acknowledged
    assert OutboundEmail.objects.filter(ticket__subject="Newsletter").count() == 0


def test_odd_charsets_and_html_become_a_readable_sanitised_ticket(receiver, run_jobs, smtp_sink):
    raw = (
        b"From: =?koi8-r?b?8NLJ18XU?= <ivan@customer.example>\r\n"
        b"To: support@heartdesk.localhost\r\n"
        b"Subject: =?koi8-r?b?8NLJ18XU?=\r\n"
        b"Message-ID: <koi8@customer.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/html; charset="koi8-r"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    ) + "<p>Привет</p><script>alert(1)</script><img src=x onerror=alert(1)>".encode("koi8-r")
    send(receiver, raw, sender="ivan@customer.example")
    run_jobs()
    ticket = Ticket.objects.get()
    assert ticket.subject == "Привет"
    message = ticket.messages.get()
    assert "Привет" in message.body_text
    assert "<script" not in message.body_html and "onerror" not in message.body_html


def test_an_unknown_sender_is_refused_when_the_setting_says_so(receiver, run_jobs, settings, smtp_sink):
    settings.UNKNOWN_SENDERS = "refuse"
    send(receiver, mail(message_id="<stranger@x>", sender="stranger@x.example"), sender="stranger@x.example")
    run_jobs()
    assert Ticket.objects.count() == 0
    stored = InboundMail.objects.get()
    assert stored.state == InboundState.REFUSED and "unknown sender" in stored.detail


def test_inline_images_and_attachments_are_kept_and_the_html_points_at_them(receiver, run_jobs, smtp_sink, cast, web):
    message = mail(message_id="<img@customer.example>", body="See the screenshot.")
    message.add_alternative('<p>See the screenshot:</p><img src="cid:shot1@x">', subtype="html")
    html_part = message.get_payload()[1]
    html_part.add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<shot1@x>")
    message.add_attachment(b"log line 1\n", maintype="text", subtype="plain", filename="error log.txt")
    send(receiver, message)
    run_jobs()
    first = Ticket.objects.get().messages.get()
    names = sorted(a.filename for a in first.attachments.all())
    assert "error log.txt" in names and len(names) == 2
    image = first.attachments.get(content_id="shot1@x")
    assert f'src="/api/v1/attachments/{image.pk}"' in first.body_html
    response = web[Role.AGENT].get(f"/api/v1/attachments/{image.pk}")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_ticket_reference_in_the_subject_threads_a_reply_from_the_requester_only(receiver, run_jobs, smtp_sink):
    send(receiver, mail(message_id="<start@customer.example>"))
    run_jobs()
    ticket = Ticket.objects.get()
    send(receiver, mail(subject=f"Re: [{ticket.reference}] Printer on fire", body="Any news?", message_id="<n1@c>"))
    stranger = mail(
        subject=f"[{ticket.reference}] hijack", body="Close it.", message_id="<n2@x>", sender="mallory@x.example"
    )
    send(receiver, stranger, sender="mallory@x.example")
    run_jobs()
    assert Message.objects.get(message_id="n1@c").ticket_id == ticket.pk
    hijack = Message.objects.get(message_id="n2@x")
    assert hijack.ticket_id != ticket.pk and hijack.ticket.subject == f"[{ticket.reference}] hijack"


def test_a_flood_from_one_sender_is_kept_but_stops_making_tickets(receiver, run_jobs, smtp_sink, monkeypatch):
    from heartdesk.tickets.mail import inbound

    monkeypatch.setattr(inbound, "SENDER_HOURLY_LIMIT", 3)
    for i in range(5):
        send(receiver, mail(subject=f"Alert {i}", message_id=f"<flood{i}@customer.example>"))
        run_jobs()
    assert Ticket.objects.count() == 3
    assert InboundMail.objects.filter(state=InboundState.IGNORED, detail__contains="loop").count() == 2
    assert InboundMail.objects.filter(sender="ann@customer.example").count() == 5


def test_a_message_without_a_from_header_is_answered_to_the_envelope_sender(receiver, run_jobs, smtp_sink):
    send(receiver, b"Subject: Help\r\nMessage-ID: <nofrom@x>\r\n\r\nIt is broken.\r\n", sender="bob@customer.example")
    run_jobs()
    assert Ticket.objects.get().requester.email == "bob@customer.example"
