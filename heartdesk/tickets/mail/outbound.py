"""Mail about a ticket: replies, acknowledgements and notifications, threaded into the ticket's conversation.

Sending itself is `messaging.outbox` (one OutboundEmail row per key, sent once after commit); this module adds
what makes the mail part of the ticket: the `[HD-1]` subject, our Message-IDs naming the ticket, and In-Reply-To /
References that every mail client threads by.
"""

import secrets

from django.conf import settings

from heartdesk.messaging import notify, outbox
from heartdesk.messaging.models import OutboundEmail
from heartdesk.tickets.choices import Direction
from heartdesk.tickets.models import Message, Ticket

TEMPLATES = "tickets/email"


def ticket_root_id(ticket: Ticket) -> str:
    """Every mail about a ticket names this id in References, so replies thread even when a client trims them."""
    return f"ticket-{ticket.pk}@{outbox.mail_domain()}"


def new_message_id(ticket: Ticket, what: str) -> str:
    return f"{what}-{ticket.pk}-{secrets.token_hex(8)}@{outbox.mail_domain()}"


def subject_for(ticket: Ticket) -> str:
    return f"[{ticket.reference}] {ticket.subject}"


def thread(ticket: Ticket, what: str) -> dict:
    """The threading fields of a new mail about `ticket`: a Message-ID naming it, In-Reply-To (the customer's
    latest message) and References (root first, newest last, at most 20)."""
    ids = list(
        Message.objects.filter(ticket=ticket, message_id__isnull=False, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:19]
    )
    ids.reverse()
    refs = [ticket_root_id(ticket), *ids]
    in_reply_to = ids[-1] if ids else ticket_root_id(ticket)
    return {
        "message_id": new_message_id(ticket, what),
        "in_reply_to": f"<{in_reply_to}>",
        "references": " ".join(f"<{r}>" for r in refs),
    }


def queue_ticket_email(*, ticket: Ticket, key: str, to, subject: str, template: str, context: dict, what: str, **kw):
    """`outbox.queue_email` for a mail about `ticket`, threaded into its conversation."""
    return outbox.queue_email(
        key=key,
        about=ticket,
        to=to,
        subject=subject,
        template=template,
        context={**context, "ticket": ticket},
        what=what,
        **thread(ticket, what),
        **kw,
    )


def queue_reply(ticket: Ticket, message: Message) -> OutboundEmail | None:
    email = queue_ticket_email(
        ticket=ticket,
        key=f"reply:{message.pk}",
        to=list(message.recipients),
        subject=f"Re: {subject_for(ticket)}",
        template=f"{TEMPLATES}/reply",
        context={"message": message},
        what="reply",
        automatic=False,
    )
    if email is not None and message.message_id is None:
        Message.objects.filter(pk=message.pk).update(message_id=email.message_id)
    return email


def queue_acknowledgement(ticket: Ticket) -> OutboundEmail | None:
    """Tells the customer we have their request and when to expect a response (from the policy)."""
    requester = ticket.requester
    zone = requester.time_zone or (ticket.organization.time_zone if ticket.organization_id else "")
    return queue_ticket_email(
        ticket=ticket,
        key=f"ack:{ticket.pk}",
        to=[ticket.requester.email],
        subject=subject_for(ticket),
        template=f"{TEMPLATES}/acknowledgement",
        context={"expected": ticket.first_response_due, "zone": zone or settings.TIME_ZONE},
        what="ack",
    )


@notify.mailer(Ticket)
def notification_mail(notification, ticket: Ticket) -> dict:
    """A staff notification about a ticket: the ticket's subject line and thread, its priority, status and level."""
    return {
        "subject": f"{notification.get_kind_display()}: {subject_for(ticket)}",
        "template": f"{TEMPLATES}/notification",
        "context": {"ticket": ticket},
        **thread(ticket, "note"),
    }
