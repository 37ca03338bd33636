"""Turn a stored inbound message into a ticket or a reply on one: thread it, de-duplicate it, never loop.

Threading, in order: a Message-ID we know in In-Reply-To/References (ours or the customer's), our ticket root id in
References, then the ticket reference in the subject when the sender belongs to that ticket's requester or
organization. Everything else opens a new ticket.
"""

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heartdesk.core.errors import DomainError, Invalid
from heartdesk.customers import services as customers
from heartdesk.customers.models import Contact
from heartdesk.messaging import outbox
from heartdesk.messaging import selectors as messaging
from heartdesk.tickets import services
from heartdesk.tickets.choices import Channel, InboundState
from heartdesk.tickets.mail.parse import (
    MalformedMail,
    ParsedMail,
    parse_message,
    strip_subject_prefixes,
    ticket_reference,
)
from heartdesk.tickets.mail.quotes import strip_quoted, strip_quoted_html
from heartdesk.tickets.models import InboundMail, Message, Ticket

log = logging.getLogger("heartdesk.mail")
_ROOT = re.compile(r"^ticket-(\d+)@(.+)$")
# More mail than this from one sender in an hour is a loop with some auto-responder: store, don't act.
SENDER_HOURLY_LIMIT = 30


def _finish(mail_id: int, state: str, detail: str = "", ticket: Ticket | None = None) -> str:
    InboundMail.objects.filter(pk=mail_id).update(
        state=state, detail=detail[:500], ticket=ticket, processed_at=timezone.now()
    )
    return state


def _claim(mail_id: int) -> InboundMail | None:
    claimed = InboundMail.objects.filter(pk=mail_id, state=InboundState.RECEIVED, attempts__lt=5).update(
        attempts=F("attempts") + 1
    )
    return InboundMail.objects.filter(pk=mail_id).first() if claimed else None


def find_ticket(parsed: ParsedMail, contact: Contact | None) -> Ticket | None:
    ids = [i for i in [*parsed.in_reply_to, *reversed(parsed.references)] if i]
    if ids:
        found = Message.objects.filter(message_id__in=ids).select_related("ticket").order_by("-id").first()
        if found:
            return found.ticket
        sent = messaging.outbound_about(Ticket, message_ids=ids)
        if sent:
            ticket = Ticket.objects.filter(pk=sent.about_id).first()
            if ticket:
                return ticket
        for ref in ids:
            match = _ROOT.match(ref)
            if match and match.group(2) == outbox.mail_domain():
                ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
                if ticket:
                    return ticket
    number = ticket_reference(parsed.subject, settings.TICKET_PREFIX)
    if number and contact is not None:
        ticket = Ticket.objects.filter(pk=number).first()
        if ticket and (
            ticket.requester_id == contact.pk
            or (ticket.organization_id and ticket.organization_id == contact.organization_id)
        ):
            return ticket
    return None


def _contact(parsed: ParsedMail, envelope_from: str) -> tuple[Contact | None, str]:
    """The sender: From, else Reply-To, else the SMTP envelope sender."""
    address = parsed.from_address or parsed.reply_to or (envelope_from or "").strip("<>").lower()
    if not address:
        return None, "no sender address"
    if settings.UNKNOWN_SENDERS == "refuse" and not Contact.objects.filter(email=address.lower()).exists():
        return None, f"unknown sender {address} (HEARTDESK_UNKNOWN_SENDERS=refuse)"
    try:
        return customers.contact_for_email(email=address, name=parsed.from_name, actor=None), ""
    except DomainError as exc:  # an address our rules refuse (too long, invalid): refuse the mail, keep it
        return None, f"cannot make a contact for {address}: {exc.message}"


def _attachments(parsed: ParsedMail) -> list[services.NewAttachment]:
    return [
        services.NewAttachment(
            filename=a.filename,
            content=a.content,
            content_type=a.content_type,
            content_id=a.content_id,
            inline=a.inline,
        )
        for a in parsed.attachments
    ]


def process(mail_id: int) -> str:
    """Idempotent: a message already processed, or whose Message-ID we already hold, changes nothing."""
    mail = _claim(mail_id)
    if mail is None:
        return "skipped"
    try:
        parsed = parse_message(bytes(mail.raw))
    except MalformedMail as exc:
        log.warning("inbound mail %s refused: %s", mail_id, exc)
        return _finish(mail_id, InboundState.REFUSED, f"malformed: {exc}")
    if parsed.loop_marker:
        return _finish(mail_id, InboundState.IGNORED, f"sent by a help desk ({parsed.loop_marker}): never answered")
    if Message.objects.filter(message_id=parsed.message_id).exists():
        return _finish(mail_id, InboundState.IGNORED, f"duplicate Message-ID {parsed.message_id}")
    if parsed.auto_submitted and parsed.auto_reason.startswith(("bounce", "report", "loop")):
        return _finish(mail_id, InboundState.IGNORED, f"not for a person: {parsed.auto_reason}")
    since = timezone.now() - dt.timedelta(hours=1)
    if parsed.from_address:
        InboundMail.objects.filter(pk=mail_id).update(sender=parsed.from_address[:320])
    if (
        parsed.from_address
        and InboundMail.objects.filter(
            sender=parsed.from_address, received_at__gte=since, state=InboundState.PROCESSED
        ).count()
        >= SENDER_HOURLY_LIMIT
    ):
        return _finish(
            mail_id,
            InboundState.IGNORED,
            f"more than {SENDER_HOURLY_LIMIT} messages an hour from {parsed.from_address}: a mail loop?",
        )
    with transaction.atomic():
        contact, problem = _contact(parsed, mail.envelope_from)
        if contact is None:
            log.info("inbound mail %s refused: %s", mail_id, problem)
            return _finish(mail_id, InboundState.REFUSED, problem)
        body = strip_quoted(parsed.text)
        ticket = find_ticket(parsed, contact)
        if ticket is not None and parsed.auto_reason.startswith("auto-reply"):
            # An out-of-office answer to our mail: kept in the log, never reopens or answers anything.
            return _finish(mail_id, InboundState.IGNORED, f"{parsed.auto_reason} on {ticket.reference}", ticket=ticket)
        try:
            if ticket is not None:
                ticket, _ = services.ticket_customer_reply(
                    ticket=ticket,
                    contact=contact,
                    body=body,
                    body_html=strip_quoted_html(parsed.html),
                    full_text=parsed.text,
                    channel=Channel.EMAIL,
                    message_id=parsed.message_id,
                    in_reply_to=(parsed.in_reply_to or [""])[0],
                    attachments=_attachments(parsed),
                )
                detail = "threaded"
            else:
                ticket = services.ticket_create(
                    subject=strip_subject_prefixes(parsed.subject) or "(no subject)",
                    body=parsed.text,
                    body_html=parsed.html,
                    requester=contact,
                    channel=Channel.EMAIL,
                    attachments=_attachments(parsed),
                    message_id=parsed.message_id,
                    acknowledge=not parsed.suppress_auto_reply,
                    actor=None,
                )
                detail = "new ticket"
        except Invalid as exc:
            return _finish(mail_id, InboundState.REFUSED, exc.message)
        return _finish(mail_id, InboundState.PROCESSED, detail, ticket=ticket)
