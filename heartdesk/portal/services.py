"""The customer portal's writes and reads: sign-in links, and what a signed-in contact may see.

Scoping rule (every read below goes through `tickets_for`): a contact with an organization sees that
organization's tickets, colleagues' included; a contact without one sees only the tickets they asked. Anything
outside that set is "not found" (404), never "forbidden", so ticket and attachment ids leak nothing.

Single-use links: using a link inserts a `UsedSignInLink` row for its nonce, and the unique constraint on that
row is the only judge of "already used": the first INSERT wins, a second one (another worker, after a restart,
after the cache is cleared, at the same moment) gets an IntegrityError and the visitor a "used" page. Rows are
kept for the link lifetime (PORTAL_LINK_MINUTES) plus a margin, after which the signature has expired anyway; the
periodic job `portal_used_links` purges the rest. Raising PORTAL_LINK_MINUTES lengthens the life of links already
sent, so a link used and purged under the old lifetime could sign in again until the new one runs out: raise it
rarely, or wait one old lifetime before purging. Keeping the nonce in the session would not work: the link is
opened in a browser that has no session yet, and an attacker's session knows nothing of the victim's.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from heartdesk.customers.models import Contact
from heartdesk.messaging import outbox
from heartdesk.portal import tokens
from heartdesk.portal.models import UsedSignInLink
from heartdesk.surveys.choices import InvitationState
from heartdesk.surveys.models import Invitation
from heartdesk.tickets import reopening
from heartdesk.tickets.choices import MessageKind, Status
from heartdesk.tickets.models import Attachment, Message, Ticket

# Kept this long past the link lifetime: clocks of several servers disagree a little, and a row purged early
# would re-open a link whose signature is still fresh on a server whose clock runs behind.
PURGE_MARGIN = dt.timedelta(minutes=5)

CUSTOMER_STATUS = {
    Status.NEW: "Open",
    Status.OPEN: "Open",
    Status.ON_HOLD: "Open",
    Status.PENDING: "Waiting for you",
    Status.SOLVED: "Solved",
    Status.CLOSED: "Closed",
}


def active_contacts() -> QuerySet[Contact]:
    """Contacts who may sign in: not removed, not erased, with an address to send the link to."""
    return Contact.objects.filter(deleted_at__isnull=True, erased_at__isnull=True, email__isnull=False).exclude(
        email=""
    )


def contact_for_sign_in(email: str) -> Contact | None:
    email = (email or "").strip()
    return active_contacts().filter(email__iexact=email).first() if email else None


# --- Sign-in links --------------------------------------------------------------------------------------------


@transaction.atomic
def sign_in_link_send(*, email: str) -> bool:
    """Email a sign-in link if an active contact has `email`; True when one was queued. Callers must not tell
    the visitor which happened (no account enumeration)."""
    contact = contact_for_sign_in(email)
    if contact is None:
        return False
    token, nonce = tokens.make(contact)
    url = settings.PUBLIC_URL.rstrip("/") + reverse("portal:sign_in", args=[token])
    outbox.queue_email(
        key=f"portal:sign-in:{nonce}",
        to=[contact.email],
        subject="Your sign-in link",
        template="portal/email/sign_in",
        context={"contact": contact, "url": url, "minutes": settings.PORTAL_LINK_MINUTES},
        what="portal",
    )
    return True


def _nonce_digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _link_contact(token: str) -> tuple[Contact, str]:
    """(contact, nonce) for a link that is ours, fresh, and names a contact who may sign in."""
    contact_id, nonce = tokens.read(token)
    contact = active_contacts().filter(pk=contact_id).first()
    if contact is None:
        raise tokens.BadToken("This sign-in link is not valid.")
    return contact, nonce


def sign_in_link_check(token: str) -> Contact:
    """The contact a link would sign in, without using it up; raises tokens.BadToken / ExpiredToken / UsedToken."""
    contact, nonce = _link_contact(token)
    if UsedSignInLink.objects.filter(nonce_digest=_nonce_digest(nonce)).exists():
        raise tokens.UsedToken("This sign-in link has already been used.")
    return contact


@transaction.atomic
def sign_in_link_use(token: str) -> Contact:
    """Like `sign_in_link_check`, and marks the link used: the first caller's INSERT wins, every later one (any
    process, any cache) hits the unique constraint and gets UsedToken."""
    contact, nonce = _link_contact(token)
    try:
        with transaction.atomic():
            UsedSignInLink.objects.create(nonce_digest=_nonce_digest(nonce), used_at=timezone.now())
    except IntegrityError:
        raise tokens.UsedToken("This sign-in link has already been used.")
    return contact


def used_sign_in_links_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the used-link rows whose links can no longer pass the signature check; returns how many.

    A link is signed before it is used, so `used_at + lifetime` is past its expiry; the margin covers clock skew.
    """
    now = now or timezone.now()
    before = now - dt.timedelta(seconds=tokens.max_age_seconds()) - PURGE_MARGIN
    deleted, _ = UsedSignInLink.objects.filter(used_at__lt=before).delete()
    return deleted


# --- Reads for a signed-in contact ----------------------------------------------------------------------------


def tickets_for(contact: Contact) -> QuerySet[Ticket]:
    if contact.organization_id:
        return Ticket.objects.filter(organization_id=contact.organization_id)
    return Ticket.objects.filter(requester=contact)


def access_ticket(contact: Contact, ticket_id: int) -> Ticket:
    """The ticket if `contact` may see it, else Http404 (also for ids that do not exist)."""
    return get_object_or_404(tickets_for(contact), pk=ticket_id)


def public_messages(ticket: Ticket) -> list[Message]:
    """Public replies only, oldest first, with their attachments; internal notes never leave this function."""
    return list(
        Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY)
        .select_related("contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def access_attachment(contact: Contact, ticket_id: int, attachment_id: int) -> Attachment:
    """An attachment of a public message on a ticket `contact` may see, else Http404."""
    ticket = access_ticket(contact, ticket_id)
    return get_object_or_404(Attachment, pk=attachment_id, message__ticket=ticket, message__kind=MessageKind.REPLY)


def customer_status(status: str) -> str:
    return CUSTOMER_STATUS.get(status, "Open")


def reply_opens_follow_up(ticket: Ticket, now: dt.datetime | None = None) -> bool:
    """Mirrors ticket_customer_reply: a closed or long-solved ticket gets a follow-up instead of a reopen."""
    return reopening.reply_opens_follow_up(ticket, now or timezone.now())


def invitations_for(contact: Contact) -> tuple[list[Invitation], list[Invitation]]:
    """(waiting, answered): the contact's own survey invitations that went out, newest first."""
    rows = list(
        Invitation.objects.filter(
            contact=contact,
            state__in=[InvitationState.SENT, InvitationState.OPENED, InvitationState.ANSWERED],
        )
        .select_related("survey", "ticket")
        .order_by("-sent_at", "-id")
    )
    waiting = [i for i in rows if i.state != InvitationState.ANSWERED]
    answered = [i for i in rows if i.state == InvitationState.ANSWERED]
    return waiting, answered
