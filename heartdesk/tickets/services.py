"""Every write to a ticket: one transaction under the ticket's row lock, its timeline written inside it,
mail, notifications and webhooks sent after commit (Zulip actions, healthchecks `Check.ping`)."""

import datetime as dt
import mimetypes
import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core import validation
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers import services as customers
from heartdesk.customers.models import Contact, Organization, Tag
from heartdesk.messaging.choices import NotificationKind
from heartdesk.tickets import events, notify, rca, reopening, signals
from heartdesk.tickets.choices import (
    OPEN_STATUSES,
    TRANSITIONS,
    Channel,
    Direction,
    EventKind,
    LinkKind,
    MessageKind,
    Priority,
    Status,
    TicketType,
)
from heartdesk.tickets.locking import lock, save_locked
from heartdesk.tickets.mail import outbound
from heartdesk.tickets.mail.parse import sanitize_html
from heartdesk.tickets.models import (
    Attachment,
    Message,
    RootCauseAnalysis,
    Ticket,
    TicketLink,
)
from heartdesk.tickets.sla import clocks
from heartdesk.tickets.webhook_events import on_commit_webhook

_CID = re.compile(r'src="cid:([^"]+)"')
# Channels where an agent is talking to the customer live: the ticket's first response is made as it is logged.
LIVE_CHANNELS = (Channel.PHONE, Channel.CHAT)


@dataclass
class NewAttachment:
    filename: str
    content: bytes
    content_type: str = ""
    content_id: str = ""
    inline: bool = False


# --- Checks ---------------------------------------------------------------------------------------------------


def _attachments(message: Message, files: list[NewAttachment] | None) -> None:
    """Store the files through Django's storage; inline images referenced as cid: in the HTML point at them."""
    total = 0
    inline: dict[str, int] = {}
    for index, item in enumerate(files or []):
        size = len(item.content)
        total += size
        if size > settings.ATTACHMENT_MAX_BYTES or total > settings.MAIL_MAX_BYTES:
            raise Invalid(
                f"Attachment {item.filename!r} is too large ({size} bytes; at most "
                f"{settings.ATTACHMENT_MAX_BYTES} each and {settings.MAIL_MAX_BYTES} in all).",
                field=f"attachments.{index}",
            )
        name = os.path.basename((item.filename or "").replace("\\", "/"))[:200] or f"attachment-{index + 1}"
        content_type = item.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        attachment = Attachment(
            message=message,
            filename=name,
            content_type=content_type[:150],
            size=size,
            content_id=(item.content_id or "")[:255],
            inline=item.inline,
        )
        attachment.file.save(name, ContentFile(item.content), save=False)
        attachment.save()
        if attachment.content_id:
            inline[attachment.content_id] = attachment.pk
    if inline and message.body_html:
        message.body_html = _CID.sub(
            lambda m: f'src="/api/v1/attachments/{inline[m.group(1)]}"' if m.group(1) in inline else m.group(0),
            message.body_html,
        )
        message.save(update_fields=["body_html"])


# --- Create ---------------------------------------------------------------------------------------------------


def ticket_create_for_address(*, email: str, name: str = "", actor: User | None, **fields) -> Ticket:
    """A ticket from someone known by address only (web form, API): find or make the contact, then open the ticket,
    in one transaction, so a refused ticket leaves no new contact behind."""
    with transaction.atomic():
        requester = customers.contact_for_email(email=email, name=name, actor=actor)
        return ticket_create(requester=requester, actor=actor, **fields)


@transaction.atomic
def ticket_create(
    *,
    subject: str,
    body: str = "",
    body_html: str = "",
    requester: Contact | None,
    channel: str = Channel.WEB,
    type: str = TicketType.QUESTION,
    priority: str = Priority.P3,
    organization: Organization | None = None,
    assignee: User | None = None,
    team: Team | None = None,
    category: str = "",
    tags: list[str] | None = None,
    call_duration_seconds: int | None = None,
    attachments: list[NewAttachment] | None = None,
    message_id: str | None = None,
    full_text: str = "",
    acknowledge: bool = True,
    actor: User | None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Open a ticket. `actor` is the agent logging it (phone, chat, API); None when the customer wrote in."""
    if actor is not None:
        policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    subject = validation.text(subject, "subject", max_length=300, required=True, one_line=True)
    validation.choice(channel, Channel, "channel")
    validation.choice(type, TicketType, "type")
    validation.choice(priority, Priority, "priority")
    category = validation.text(category, "category", max_length=100, one_line=True)
    if requester is None:
        raise Invalid("A ticket needs a requester (the contact who asked).", field="requester")
    if call_duration_seconds is not None and (call_duration_seconds < 0 or call_duration_seconds > 86400):
        raise Invalid("The call duration must be between 0 seconds and 24 hours.", field="call_duration_seconds")
    body_text = str(body or "").strip()
    if len(body_text) > 200_000:
        raise Invalid("The description is over 200,000 characters.", field="body")
    if assignee is not None and not assignee.is_active:
        raise Invalid(f"{assignee} is not an active user.", field="assignee")
    ticket = Ticket(
        subject=subject,
        requester=requester,
        organization=organization or requester.organization,
        channel=channel,
        type=type,
        priority=priority,
        assignee=assignee,
        team=team,
        category=category,
        call_duration_seconds=call_duration_seconds,
        created_at=now,
        updated_at=now,
        last_customer_message_at=now,
        status=Status.OPEN if assignee else Status.NEW,
    )
    live = actor is not None and channel in LIVE_CHANNELS
    if live:
        ticket.first_response_at = now
    ticket.is_open = ticket.status in OPEN_STATUSES
    planned, source = clocks.plan_on_create(ticket, at=now, first_response_made=live)
    clocks.sync_ticket_dues(ticket, now=now, live=planned)
    ticket.save()  # once, with its policy and due columns
    if tags:
        _set_tags(ticket, tags)
    label = "" if actor else f"customer: {requester.email or requester.full_name}"
    events.created(ticket, actor=actor, actor_label=label, when=now)
    if body_text or body_html or attachments:
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY,
            direction=Direction.INBOUND,
            channel=channel,
            author=actor,
            contact=requester,
            body_text=body_text,
            body_html=sanitize_html(body_html) if body_html else "",
            full_text=full_text,
            message_id=message_id or None,
            created_at=now,
        )
        _attachments(message, attachments)
        events.message_added(ticket, message, actor=actor, actor_label=label, when=now)
    clocks.start_planned(ticket, planned, source=source, at=now)
    if assignee:
        notify.users([assignee], ticket, NotificationKind.ASSIGNED, f"{ticket.reference} is assigned to you", now=now)
    elif team:
        notify.team(team, ticket, NotificationKind.NEW_TICKET, f"New ticket {ticket.reference} for {team}", now=now)
    if acknowledge and actor is None and requester.email:
        outbound.queue_acknowledgement(ticket)
    on_commit_webhook("ticket.created", ticket)
    return ticket


def _set_tags(ticket: Ticket, names: list[str]) -> list[str]:
    clean = sorted({" ".join(str(n).split())[:50] for n in names if str(n).strip()})
    if len(clean) > 30:
        raise Invalid("At most 30 tags.", field="tags")
    found = {t.name: t for t in Tag.objects.filter(name__in=clean)}
    for name in clean:
        if name not in found:
            found[name] = Tag.objects.create(name=name)
    ticket.tags.set([found[n] for n in clean])
    return clean


# --- Messages -------------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    body_html: str = "",
    actor: User,
    status: str | None = None,
    promise_at: dt.datetime | None = None,
    promise_note: str = "",
    attachments: list[NewAttachment] | None = None,
    notify_customer: bool = True,
    now: dt.datetime | None = None,
) -> Message:
    """A public reply to the customer: meets the first response or update, may promise the next one.

    `notify_customer=False` records the reply without mailing it (history imports)."""
    policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    ticket = lock(ticket)
    if ticket.status == Status.CLOSED:
        raise Conflict(f"{ticket.reference} is closed; open a follow-up ticket instead.", field="status")
    text = str(body or "").strip()
    if not text:
        raise Invalid("The reply must not be empty.", field="body")
    if len(text) > 200_000:
        raise Invalid("The reply is over 200,000 characters.", field="body")
    if promise_at is not None:
        if timezone.is_naive(promise_at):
            raise Invalid("The promised time needs a time zone.", field="promise_at")
        if promise_at <= now:
            raise Invalid("The promised time must be in the future.", field="promise_at")
    if status is not None:
        validation.choice(status, Status, "status")
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        direction=Direction.OUTBOUND,
        channel=ticket.channel,
        author=actor,
        body_text=text,
        body_html=sanitize_html(body_html) if body_html else "",
        recipients=[ticket.requester.email] if ticket.requester and ticket.requester.email else [],
        created_at=now,
    )
    _attachments(message, attachments)
    events.message_added(ticket, message, actor=actor, when=now)
    ticket.agent_reply_count += 1
    ticket.last_agent_reply_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.status == Status.NEW:
        _move(ticket, Status.OPEN, actor=actor, now=now)
    if ticket.assignee_id is None:
        _assign(ticket, actor, actor=actor, now=now)
    clocks.on_agent_reply(ticket, at=now)
    if promise_at is not None:
        clocks.promise(ticket, due_at=promise_at, at=now, by=actor, message=message, note=promise_note)
        events.record(ticket, EventKind.PROMISE, actor=actor, when=now, due_at=promise_at, note=promise_note[:300])
    if status is not None and status != ticket.status:
        _transition(ticket, status, actor=actor, now=now)
    save_locked(ticket, now=now)
    if message.recipients and notify_customer:
        outbound.queue_reply(ticket, message)
    on_commit_webhook("ticket.message", ticket, message_id=message.pk, kind=message.kind)
    return message


@transaction.atomic
def ticket_note(
    *, ticket: Ticket, body: str, actor: User, attachments: list[NewAttachment] | None = None, now=None
) -> Message:
    """An internal note: never sent to the customer and moves no SLA clock."""
    policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    ticket = lock(ticket)
    text = str(body or "").strip()
    if not text:
        raise Invalid("The note must not be empty.", field="body")
    if len(text) > 200_000:
        raise Invalid("The note is over 200,000 characters.", field="body")
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.NOTE,
        direction=Direction.OUTBOUND,
        channel=ticket.channel,
        author=actor,
        body_text=text,
        created_at=now,
    )
    _attachments(message, attachments)
    events.message_added(ticket, message, actor=actor, when=now)
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    return message


@transaction.atomic
def ticket_customer_reply(
    *,
    ticket: Ticket,
    contact: Contact,
    body: str,
    body_html: str = "",
    full_text: str = "",
    channel: str = Channel.EMAIL,
    message_id: str | None = None,
    in_reply_to: str = "",
    attachments: list[NewAttachment] | None = None,
    now=None,
) -> tuple[Ticket, Message]:
    """The customer wrote again: reopens a recently solved ticket; a closed or long-solved one gets a follow-up."""
    now = now or timezone.now()
    ticket = lock(ticket)
    if reopening.reply_opens_follow_up(ticket, now):
        return _follow_up(
            ticket,
            contact=contact,
            body=body,
            body_html=body_html,
            full_text=full_text,
            channel=channel,
            message_id=message_id,
            attachments=attachments,
            now=now,
        )
    label = f"customer: {contact.email or contact.full_name}"
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        direction=Direction.INBOUND,
        channel=channel,
        contact=contact,
        body_text=str(body or "").strip(),
        body_html=sanitize_html(body_html) if body_html else "",
        full_text=full_text,
        message_id=message_id or None,
        in_reply_to=(in_reply_to or "")[:255],
        created_at=now,
    )
    _attachments(message, attachments)
    events.message_added(ticket, message, actor_label=label, when=now)
    ticket.last_customer_message_at = now
    if ticket.status == Status.SOLVED:
        _move(ticket, Status.OPEN, actor=None, actor_label=label, now=now)
        _reopened(ticket, actor=None, actor_label=label, now=now)
    elif ticket.status in (Status.PENDING, Status.NEW) and ticket.status == Status.PENDING:
        _move(ticket, Status.OPEN, actor=None, actor_label=label, now=now)
        clocks.apply_status(ticket, at=now)
    save_locked(ticket, now=now)
    # The assignee and the followers hear of it; with nobody assigned, the team does.
    text = f"{contact} replied on {ticket.reference}"
    recipients = [u for u in (ticket.assignee,) if u] + list(ticket.followers.all())
    if recipients:
        notify.users(recipients, ticket, NotificationKind.CUSTOMER_REPLY, text, now=now)
    elif ticket.team_id:
        notify.team(ticket.team, ticket, NotificationKind.CUSTOMER_REPLY, text, now=now)
    on_commit_webhook("ticket.message", ticket, message_id=message.pk, kind=message.kind)
    return ticket, message


def _follow_up(ticket: Ticket, *, contact, body, body_html, full_text, channel, message_id, attachments, now):
    new = ticket_create(
        subject=ticket.subject,
        body=body,
        body_html=body_html,
        full_text=full_text,
        requester=contact,
        organization=ticket.organization,
        channel=channel,
        type=ticket.type,
        priority=ticket.priority,
        team=ticket.team,
        category=ticket.category,
        attachments=attachments,
        message_id=message_id,
        actor=None,
        now=now,
    )
    new.follow_up_of = ticket
    new.save(update_fields=["follow_up_of"])
    TicketLink.objects.create(source=new, target=ticket, kind=LinkKind.RELATED, created_at=now)
    events.record(new, EventKind.FOLLOW_UP, actor_label="customer", when=now, follow_up_of=ticket.reference)
    events.record(ticket, EventKind.FOLLOW_UP, actor_label="customer", when=now, follow_up=new.reference)
    return new, new.messages.order_by("id").first()


# --- Changes --------------------------------------------------------------------------------------------------


def _move(ticket: Ticket, status: str, *, actor, now, actor_label: str = "") -> None:
    old = ticket.status
    ticket.status = status
    ticket.is_open = status in OPEN_STATUSES
    events.changed(
        ticket, EventKind.STATUS, field="status", old=old, new=status, actor=actor, actor_label=actor_label, when=now
    )


def _transition(ticket: Ticket, status: str, *, actor, now, actor_label: str = "") -> None:
    old = ticket.status
    if status == old:
        return
    if status not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(TRANSITIONS[old])) or "none (closed is final)"
        raise Conflict(
            f"A ticket cannot go from {old} to {status}; from {old} it can go to: {allowed}.", field="status"
        )
    if status == Status.CLOSED:
        ticket.rca_required = rca.rca_required(ticket)
        if ticket.rca_required and not RootCauseAnalysis.objects.filter(ticket=ticket).exists():
            raise Conflict(
                f"{ticket.reference} needs a root cause analysis before it can be closed "
                "(P1, or a recurring P2: write the RCA first).",
                field="rca",
            )
        ticket.closed_at = now
    _move(ticket, status, actor=actor, actor_label=actor_label, now=now)
    if status == Status.SOLVED:
        ticket.solved_at = now
        ticket.rca_required = rca.rca_required(ticket)
        # FCR: solved with at most one public agent reply (none for a call solved on the line), never reopened.
        ticket.first_contact_resolution = ticket.agent_reply_count <= 1 and ticket.reopen_count == 0
        clocks.on_solved(ticket, at=now)
        signals.ticket_solved.send(sender=Ticket, ticket=ticket, at=now)
    elif old == Status.SOLVED and status == Status.OPEN:
        _reopened(ticket, actor=actor, actor_label="", now=now)
    else:
        clocks.apply_status(ticket, at=now)


def _reopened(ticket: Ticket, *, actor, actor_label: str, now) -> None:
    """A solved ticket opened again (by the customer writing, or by staff): counted, no longer a first-contact
    resolution, its clocks running again, and surveys told (a waiting invitation is cancelled)."""
    ticket.reopen_count += 1
    ticket.first_contact_resolution = False
    ticket.solved_at = None
    events.record(ticket, EventKind.REOPENED, actor=actor, actor_label=actor_label, when=now)
    clocks.on_reopened(ticket, at=now)
    signals.ticket_reopened.send(sender=Ticket, ticket=ticket, at=now)


def _assign(ticket: Ticket, user: User | None, *, actor, now) -> None:
    if user is not None and (not user.is_active or not policy.can(user, policy.TICKETS_WORK)):
        raise Invalid(f"{user} cannot work tickets.", field="assignee")
    old = ticket.assignee
    if (old.pk if old else None) == (user.pk if user else None):
        return
    ticket.assignee = user
    events.changed(ticket, EventKind.ASSIGNED, field="assignee", old=old, new=user, actor=actor, when=now)
    if user is not None and user != actor:
        notify.users([user], ticket, NotificationKind.ASSIGNED, f"{ticket.reference} is assigned to you", now=now)


def _required_requester(value):
    if value is None:
        raise Invalid("A ticket needs a requester.", field="requester")
    return value


# The plain fields ticket_update changes: how each is checked, and (when not "field") its kind of timeline event.
_FIELD_CLEANERS = {
    "subject": lambda v: validation.text(v, "subject", max_length=300, required=True, one_line=True),
    "category": lambda v: validation.text(v, "category", max_length=100, one_line=True),
    "type": lambda v: validation.choice(v, TicketType, "type"),
    "priority": lambda v: validation.choice(v, Priority, "priority"),
    "requester": _required_requester,
    "organization": lambda v: v,
    "team": lambda v: v,
}
_FIELD_EVENTS = {"priority": EventKind.PRIORITY, "team": EventKind.TEAM}

UPDATABLE = (
    "subject",
    "status",
    "priority",
    "type",
    "assignee",
    "team",
    "category",
    "tags",
    "followers",
    "requester",
    "organization",
)


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User | None, actor_label: str = "", now=None, **changes) -> Ticket:
    """Change fields; each change is one timeline event; a status move must be an allowed one (409 otherwise)."""
    if actor is not None:
        policy.require(actor, policy.TICKETS_WORK)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    now = now or timezone.now()
    ticket = lock(ticket)
    recompute = False
    for field, clean in _FIELD_CLEANERS.items():
        if field not in changes:
            continue
        new = clean(changes[field])
        old = getattr(ticket, field)
        if new == old:
            continue
        events.changed(
            ticket,
            _FIELD_EVENTS.get(field, EventKind.FIELD),
            field=field,
            old=old,
            new=new,
            actor=actor,
            actor_label=actor_label,
            when=now,
        )
        setattr(ticket, field, new)
        recompute = recompute or field in ("priority", "organization")  # they choose the SLA policy and targets
    if "assignee" in changes:
        _assign(ticket, changes["assignee"], actor=actor, now=now)
        if ticket.assignee and ticket.status == Status.NEW and "status" not in changes:
            _transition(ticket, Status.OPEN, actor=actor, now=now)
    if "tags" in changes:
        old = sorted(ticket.tags.values_list("name", flat=True))
        new = _set_tags(ticket, changes["tags"] or [])
        if new != old:
            events.changed(ticket, EventKind.TAGS, field="tags", old=old, new=new, actor=actor, when=now)
    if "followers" in changes:
        old = sorted(ticket.followers.values_list("username", flat=True))
        users = list(changes["followers"] or [])
        ticket.followers.set(users)
        new = sorted(u.username for u in users)
        if new != old:
            events.changed(ticket, EventKind.FOLLOWERS, field="followers", old=old, new=new, actor=actor, when=now)
    if recompute:
        clocks.recompute(ticket, at=now, reason="priority or organization changed")
    if "status" in changes and changes["status"] != ticket.status:
        _transition(
            ticket,
            validation.choice(changes["status"], Status, "status"),
            actor=actor,
            actor_label=actor_label,
            now=now,
        )
    save_locked(ticket, now=now)
    on_commit_webhook("ticket.updated", ticket, changed=sorted(changes))
    return ticket


# --- Links and RCA --------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_link(*, ticket: Ticket, target: Ticket, kind: str, actor: User, now=None) -> TicketLink:
    policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    validation.choice(kind, LinkKind, "kind")
    ticket = lock(ticket)
    if target.pk == ticket.pk:
        raise Invalid("A ticket cannot be linked to itself.", field="target")
    if kind == LinkKind.CAUSED_BY and target.type != TicketType.PROBLEM:
        raise Invalid(f"{target.reference} is not a problem ticket; only a problem can cause others.", field="target")
    if TicketLink.objects.filter(source=ticket, target=target, kind=kind).exists():
        raise Conflict(f"{ticket.reference} is already linked to {target.reference} that way.", field="target")
    link = TicketLink.objects.create(source=ticket, target=target, kind=kind, created_by=actor, created_at=now)
    events.record(ticket, EventKind.LINKED, actor=actor, when=now, link=kind, target=target.reference)
    events.record(target, EventKind.LINKED, actor=actor, when=now, link=f"{kind} (from)", target=ticket.reference)
    save_locked(ticket, now=now)
    return link


@transaction.atomic
def ticket_unlink(*, link: TicketLink, actor: User, now=None) -> None:
    policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    events.record(link.source, EventKind.UNLINKED, actor=actor, when=now, link=link.kind, target=link.target.reference)
    link.delete()
