"""Mail we send: replies, acknowledgements and notifications, each an OutboundEmail row with a unique key.

The row is written inside the service's transaction and sent by the job queue after commit. Sending claims the row
(queued -> sending) with a conditional UPDATE, so a job run twice, or by two workers, sends once.
"""

import logging
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from heartdesk.core.jobs import enqueue_on_commit
from heartdesk.tickets import quiet
from heartdesk.tickets.choices import Direction, OutboundState
from heartdesk.tickets.models import Message, OutboundEmail, Ticket

log = logging.getLogger("heartdesk.mail")
LOOP_HEADER = "X-Heartdesk-Loop"
MAX_ATTEMPTS = 5


def mail_domain() -> str:
    return settings.SUPPORT_ADDRESS.rsplit("@", 1)[-1] or "heartdesk.localhost"


def ticket_root_id(ticket: Ticket) -> str:
    """Every mail about a ticket names this id in References, so replies thread even when a client trims them."""
    return f"ticket-{ticket.pk}@{mail_domain()}"


def new_message_id(ticket: Ticket, what: str) -> str:
    return f"{what}-{ticket.pk}-{secrets.token_hex(8)}@{mail_domain()}"


def subject_for(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def _thread(ticket: Ticket) -> tuple[str, str]:
    """In-Reply-To (the customer's latest message) and References (root first, newest last, at most 20)."""
    ids = list(
        Message.objects.filter(ticket=ticket, message_id__isnull=False, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:19]
    )
    ids.reverse()
    refs = [ticket_root_id(ticket), *ids]
    in_reply_to = ids[-1] if ids else ticket_root_id(ticket)
    return f"<{in_reply_to}>", " ".join(f"<{r}>" for r in refs)


def queue_email(
    *,
    key: str,
    ticket: Ticket | None,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    what: str,
    headers: dict[str, str] | None = None,
) -> OutboundEmail | None:
    """Write one email we owe (once per `key`) and send it after commit; `template` is a path without .txt/.html
    (a bare name means tickets/email/<name>)."""
    to = [a for a in to if a]
    if not to or quiet.is_quiet():
        return None
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    in_reply_to, references = _thread(ticket) if ticket else ("", "")
    context = {**context, "ticket": ticket, "support_address": settings.SUPPORT_ADDRESS}
    base = template if "/" in template else f"tickets/email/{template}"
    email = OutboundEmail.objects.create(
        key=key,
        ticket=ticket,
        to=to,
        subject=subject[:400],
        body_text=render_to_string(f"{base}.txt", context),
        body_html=render_to_string(f"{base}.html", context),
        headers=headers or {},
        message_id=new_message_id(ticket, what) if ticket else f"{what}-{secrets.token_hex(10)}@{mail_domain()}",
        in_reply_to=in_reply_to,
        references=references,
    )
    from heartdesk.tickets.tasks import send_outbound_email

    enqueue_on_commit(send_outbound_email, email.pk)
    return email


def queue_reply(ticket: Ticket, message: Message) -> OutboundEmail | None:
    to = list(message.recipients)
    email = queue_email(
        key=f"reply:{message.pk}",
        ticket=ticket,
        to=to,
        subject=f"Re: {subject_for(ticket)}",
        template="reply",
        context={"message": message},
        what="reply",
    )
    if email is not None and message.message_id is None:
        Message.objects.filter(pk=message.pk).update(message_id=email.message_id)
    return email


def queue_acknowledgement(ticket: Ticket) -> OutboundEmail | None:
    """Tells the customer we have their request and when to expect a response (from the policy)."""
    requester = ticket.requester
    zone = requester.time_zone or (ticket.organization.time_zone if ticket.organization_id else "")
    return queue_email(
        key=f"ack:{ticket.pk}",
        ticket=ticket,
        to=[ticket.requester.email],
        subject=subject_for(ticket),
        template="acknowledgement",
        context={"expected": ticket.first_response_due, "zone": zone or settings.TIME_ZONE},
        what="ack",
    )


def queue_notification(notification) -> OutboundEmail | None:
    ticket = notification.ticket
    return queue_email(
        key=f"notification:{notification.pk}",
        ticket=ticket,
        to=[notification.user.email],
        subject=f"{notification.get_kind_display()}: {subject_for(ticket) if ticket else ''}",
        template="notification",
        context={"notification": notification},
        what="note",
    )


def claim(email_id: int) -> OutboundEmail | None:
    with transaction.atomic():
        claimed = OutboundEmail.objects.filter(pk=email_id, state=OutboundState.QUEUED).update(
            state=OutboundState.SENDING, attempts=F("attempts") + 1
        )
    return OutboundEmail.objects.get(pk=email_id) if claimed else None


def build(email: OutboundEmail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{email.message_id}>",
        LOOP_HEADER: mail_domain(),
        "Reply-To": settings.SUPPORT_ADDRESS,
    }
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    if not email.key.startswith("reply:"):
        headers["Auto-Submitted"] = "auto-generated"
    headers.update(email.headers or {})
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def send(email_id: int) -> str:
    """Send once. A failure goes back to the queue with its attempt count; after MAX_ATTEMPTS it is failed."""
    email = claim(email_id)
    if email is None:
        return "skipped"
    try:
        build(email).send(fail_silently=False)
    except Exception as exc:
        final = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email.pk).update(
            state=OutboundState.FAILED if final else OutboundState.QUEUED, error=f"{type(exc).__name__}: {exc}"[:500]
        )
        log.warning("sending mail %s failed (attempt %s): %s", email.pk, email.attempts, exc)
        return "failed" if final else "retry"
    OutboundEmail.objects.filter(pk=email.pk).update(state=OutboundState.SENT, sent_at=timezone.now(), error="")
    return "sent"
