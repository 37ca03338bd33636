"""REST endpoints of the help desk: thin adapters over selectors and services (RFC 9457 errors from core.errors)."""

import base64
import binascii
import datetime as dt

from django.db.models import prefetch_related_objects
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import Invalid
from heartdesk.core.schemas import CursorPage, PageParams
from heartdesk.customers.models import Contact, Organization
from heartdesk.tickets import escalation, events, rca, selectors, services, workspace
from heartdesk.tickets.choices import (
    Channel,
    Level,
    LinkKind,
    MessageKind,
    Priority,
    RootCauseCategory,
    TicketType,
)
from heartdesk.tickets.choices import (
    Status as TicketStatus,
)
from heartdesk.tickets.filters import TicketFilters
from heartdesk.tickets.models import Attachment, CannedResponse, SavedFilter, Ticket, TicketLink

router = Router(tags=["tickets"])


# --- Schemas ------------------------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


def _ref(obj, name_attr: str = "") -> dict | None:
    if obj is None:
        return None
    name = getattr(obj, name_attr) if name_attr else str(obj)
    return {"id": obj.pk, "name": name}


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: TicketStatus
    priority: Priority
    priority_label: str
    type: TicketType
    channel: Channel
    level: Level
    category: str
    requester: Ref | None
    organization: Ref | None
    assignee: Ref | None
    team: Ref | None
    tags: list[str] = []
    created_at: dt.datetime
    updated_at: dt.datetime
    first_response_at: dt.datetime | None
    solved_at: dt.datetime | None
    closed_at: dt.datetime | None
    first_response_due: dt.datetime | None
    next_update_due: dt.datetime | None
    resolution_due: dt.datetime | None
    next_due_at: dt.datetime | None
    at_risk: bool
    breached: bool
    agent_reply_count: int
    reopen_count: int
    first_contact_resolution: bool | None
    rca_required: bool
    call_duration_seconds: int | None
    sla_policy: Ref | None
    follow_up_of: int | None

    @staticmethod
    def resolve_priority_label(obj):
        return obj.get_priority_display()

    @staticmethod
    def resolve_requester(obj):
        return _ref(obj.requester, "full_name")

    @staticmethod
    def resolve_organization(obj):
        return _ref(obj.organization)

    @staticmethod
    def resolve_assignee(obj):
        return _ref(obj.assignee, "display_name")

    @staticmethod
    def resolve_team(obj):
        return _ref(obj.team)

    @staticmethod
    def resolve_sla_policy(obj):
        return _ref(obj.sla_policy) if obj.sla_policy_id else None

    @staticmethod
    def resolve_follow_up_of(obj):
        return obj.follow_up_of_id

    @staticmethod
    def resolve_tags(obj):
        cache = getattr(obj, "_prefetched_objects_cache", {})
        return sorted(t.name for t in cache["tags"]) if "tags" in cache else []


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool
    url: str

    @staticmethod
    def resolve_url(obj):
        return f"/api/v1/attachments/{obj.pk}"


class MessageOut(Schema):
    id: int
    kind: MessageKind
    direction: str
    channel: Channel
    author: Ref | None
    contact: Ref | None
    body_text: str
    body_html: str
    message_id: str | None
    created_at: dt.datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj):
        return _ref(obj.author, "display_name")

    @staticmethod
    def resolve_contact(obj):
        return _ref(obj.contact, "full_name")

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class EventOut(Schema):
    id: int
    kind: str
    summary: str
    actor: Ref | None
    actor_label: str
    data: dict
    created_at: dt.datetime

    @staticmethod
    def resolve_summary(obj):
        return events.describe(obj)

    @staticmethod
    def resolve_actor(obj):
        return _ref(obj.actor, "display_name")


class ClockEventOut(Schema):
    kind: str
    at: dt.datetime
    data: dict


class ClockOut(Schema):
    id: int
    target: str
    state: str
    target_seconds: int | None
    elapsed_seconds: int
    around_the_clock: bool
    started_at: dt.datetime
    due_at: dt.datetime | None
    at_risk_at: dt.datetime | None
    breached_at: dt.datetime | None
    stopped_at: dt.datetime | None
    note: str
    events: list[ClockEventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class AttachmentIn(Schema):
    filename: str = Field(..., min_length=1, max_length=255)
    content_type: str = Field("", max_length=150)
    content_base64: str


class TicketIn(Schema):
    subject: str = Field(..., min_length=1, max_length=300)
    body: str = Field("", max_length=200_000)
    requester_id: int | None = None
    requester_email: str | None = Field(
        None, max_length=254, description="Used when requester_id is not given; a contact is made for a new address."
    )
    requester_name: str | None = Field(None, max_length=200)
    organization_id: int | None = None
    channel: Channel = Channel.API
    type: TicketType = TicketType.QUESTION
    priority: Priority = Priority.P3
    assignee_id: int | None = None
    team_id: int | None = None
    category: str = Field("", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=30)
    call_duration_seconds: int | None = Field(None, ge=0, le=86400)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class TicketPatch(Schema):
    subject: str | None = Field(None, min_length=1, max_length=300)
    status: TicketStatus | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    category: str | None = Field(None, max_length=100)
    assignee_id: int | None = Field(None, description="0 to unassign.")
    team_id: int | None = Field(None, description="0 for no team.")
    tags: list[str] | None = Field(None, max_length=30)
    follower_ids: list[int] | None = None


class MessageIn(Schema):
    kind: MessageKind = MessageKind.REPLY
    body: str = Field(..., min_length=1, max_length=200_000)
    status: TicketStatus | None = Field(None, description="Set this status with the reply (e.g. pending, solved).")
    promise_at: dt.datetime | None = Field(None, description="Promise the customer the next update by this time.")
    promise_note: str = Field("", max_length=300)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class EscalateIn(Schema):
    to_level: Level | None = Field(None, description="Omit for one level up (or down).")
    reason: str = Field(..., min_length=1, max_length=500)
    team_id: int | None = None


class EscalationOut(Schema):
    id: int
    from_level: Level
    to_level: Level
    reason: str
    actor: Ref | None
    rule: Ref | None
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj):
        return _ref(obj.actor, "display_name")

    @staticmethod
    def resolve_rule(obj):
        return _ref(obj.rule)


class LinkIn(Schema):
    target_id: int
    kind: LinkKind


class LinkOut(Schema):
    id: int
    source_id: int
    target_id: int
    kind: LinkKind
    created_at: dt.datetime


class ActionIn(Schema):
    description: str = Field(..., min_length=1, max_length=500)
    owner_id: int
    due_date: dt.date


class ActionOut(Schema):
    id: int
    description: str
    owner: Ref
    due_date: dt.date
    done_at: dt.datetime | None

    @staticmethod
    def resolve_owner(obj):
        return _ref(obj.owner, "display_name")


class RcaIn(Schema):
    summary: str = Field(..., min_length=1, max_length=5000)
    category: RootCauseCategory
    actions: list[ActionIn] = Field(..., min_length=1, max_length=50)


class RcaOut(Schema):
    summary: str
    category: RootCauseCategory
    created_at: dt.datetime
    updated_at: dt.datetime
    actions: list[ActionOut]

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.select_related("owner"))


# --- Helpers ------------------------------------------------------------------------------------------------


def _ticket(ticket_id: int) -> Ticket:
    return get_object_or_404(Ticket, pk=ticket_id)


def _get(model, pk, field: str, *related: str):
    if pk is None:
        return None
    found = model.objects.select_related(*related).filter(pk=pk).first()
    if found is None:
        raise Invalid(f"No {model._meta.verbose_name} with id {pk}.", field=field)
    return found


def _files(items: list[AttachmentIn]) -> list[services.NewAttachment]:
    out = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("content_base64 is not valid base64.", field=f"attachments.{i}.content_base64")
        out.append(services.NewAttachment(filename=item.filename, content=content, content_type=item.content_type))
    return out


def _detail(ticket_id: int) -> Ticket:
    return selectors.ticket_detail(ticket_id)


# --- Tickets ------------------------------------------------------------------------------------------------


@router.get("/tickets", response=CursorPage[TicketOut])
def list_tickets(request, filters: Query[TicketFilters], paging: Query[PageParams]):
    """Queues: open tickets sorted by the next due time; `queue=all` lists everything, newest first."""
    policy.require(request.user, policy.TICKETS_VIEW)
    page = selectors.ticket_page(filters=filters, user=request.user, cursor=paging.cursor, size=paging.page_size)
    return {"results": page.items, "next": page.next_cursor, "previous": page.previous_cursor}


@router.post("/tickets", response={201: TicketOut})
def create_ticket(request, payload: TicketIn):
    policy.require(request.user, policy.TICKETS_WORK)
    fields = {
        "subject": payload.subject,
        "body": payload.body,
        "organization": _get(Organization, payload.organization_id, "organization_id"),
        "channel": payload.channel,
        "type": payload.type,
        "priority": payload.priority,
        "assignee": _get(User, payload.assignee_id, "assignee_id"),
        "team": _get(Team, payload.team_id, "team_id"),
        "category": payload.category,
        "tags": payload.tags,
        "call_duration_seconds": payload.call_duration_seconds,
        "attachments": _files(payload.attachments),
        "actor": request.user,
    }
    if payload.requester_id is not None:  # with its organization, which the new ticket takes and its SLA looks at
        requester = _get(Contact, payload.requester_id, "requester_id", "organization")
        ticket = services.ticket_create(requester=requester, **fields)
    elif payload.requester_email:
        ticket = services.ticket_create_for_address(
            email=payload.requester_email, name=payload.requester_name or "", **fields
        )
    else:
        raise Invalid("Give requester_id or requester_email.", field="requester_id")
    # The service's ticket holds everything TicketOut shows (the requester, organization, people and policy it was
    # given); reading it back cost two queries. Tags, when there are any, are read once for the answer.
    if payload.tags:
        prefetch_related_objects([ticket], "tags")
    return Status(201, ticket)


@router.get("/tickets/{int:ticket_id}", response=TicketOut)
def get_ticket(request, ticket_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    _ticket(ticket_id)
    return _detail(ticket_id)


@router.patch("/tickets/{int:ticket_id}", response=TicketOut)
def update_ticket(request, ticket_id: int, payload: TicketPatch):
    policy.require(request.user, policy.TICKETS_WORK)
    ticket = _ticket(ticket_id)
    data = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in data.items() if k in ("subject", "status", "priority", "type", "category", "tags")}
    if "assignee_id" in data:
        changes["assignee"] = None if not data["assignee_id"] else _get(User, data["assignee_id"], "assignee_id")
    if "team_id" in data:
        changes["team"] = None if not data["team_id"] else _get(Team, data["team_id"], "team_id")
    if "follower_ids" in data:
        changes["followers"] = [_get(User, pk, "follower_ids") for pk in data["follower_ids"] or []]
    services.ticket_update(ticket=ticket, actor=request.user, **changes)
    return _detail(ticket_id)


@router.get("/tickets/{int:ticket_id}/messages", response=list[MessageOut])
def list_messages(request, ticket_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.messages(_ticket(ticket_id))


@router.post("/tickets/{int:ticket_id}/messages", response={201: MessageOut})
def add_message(request, ticket_id: int, payload: MessageIn):
    ticket = _ticket(ticket_id)
    files = _files(payload.attachments)
    if payload.kind == MessageKind.NOTE:
        if payload.promise_at or payload.status:
            raise Invalid("A note cannot carry a promise or a status; send a public reply.", field="kind")
        message = services.ticket_note(ticket=ticket, body=payload.body, actor=request.user, attachments=files)
    else:
        message = services.ticket_reply(
            ticket=ticket,
            body=payload.body,
            actor=request.user,
            status=payload.status,
            promise_at=payload.promise_at,
            promise_note=payload.promise_note,
            attachments=files,
        )
    return Status(201, selectors.message_detail(message.pk))


@router.get("/tickets/{int:ticket_id}/events", response=list[EventOut])
def list_events(request, ticket_id: int):
    """The timeline: who, what, when, old → new."""
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.timeline(_ticket(ticket_id))


@router.get("/tickets/{int:ticket_id}/sla", response=list[ClockOut])
def list_clocks(request, ticket_id: int):
    """Every SLA clock and promise on the ticket with its recorded events."""
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.clocks(_ticket(ticket_id))


@router.get("/tickets/{int:ticket_id}/escalations", response=list[EscalationOut])
def list_escalations(request, ticket_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.escalations(_ticket(ticket_id))


@router.post("/tickets/{int:ticket_id}/escalate", response=TicketOut)
def escalate(request, ticket_id: int, payload: EscalateIn):
    escalation.ticket_escalate(
        ticket=_ticket(ticket_id),
        to_level=payload.to_level,
        reason=payload.reason,
        team=_get(Team, payload.team_id, "team_id"),
        actor=request.user,
    )
    return _detail(ticket_id)


@router.post("/tickets/{int:ticket_id}/deescalate", response=TicketOut)
def deescalate(request, ticket_id: int, payload: EscalateIn):
    escalation.ticket_deescalate(
        ticket=_ticket(ticket_id), to_level=payload.to_level, reason=payload.reason, actor=request.user
    )
    return _detail(ticket_id)


@router.get("/tickets/{int:ticket_id}/links", response=list[LinkOut])
def list_links(request, ticket_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return selectors.links(_ticket(ticket_id))


@router.post("/tickets/{int:ticket_id}/links", response={201: LinkOut})
def add_link(request, ticket_id: int, payload: LinkIn):
    target = _get(Ticket, payload.target_id, "target_id")
    return Status(
        201, services.ticket_link(ticket=_ticket(ticket_id), target=target, kind=payload.kind, actor=request.user)
    )


@router.delete("/tickets/{int:ticket_id}/links/{int:link_id}", response={204: None})
def remove_link(request, ticket_id: int, link_id: int):
    link = get_object_or_404(TicketLink, pk=link_id, source_id=ticket_id)
    services.ticket_unlink(link=link, actor=request.user)
    return Status(204, None)


@router.get("/tickets/{int:ticket_id}/rca", response=RcaOut)
def get_rca(request, ticket_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    ticket = _ticket(ticket_id)
    return get_object_or_404(type(ticket).rca.related.related_model, ticket=ticket)


@router.put("/tickets/{int:ticket_id}/rca", response=RcaOut)
def put_rca(request, ticket_id: int, payload: RcaIn):
    actions = [
        rca.ActionIn(
            description=a.description, owner=_get(User, a.owner_id, f"actions.{i}.owner_id"), due_date=a.due_date
        )
        for i, a in enumerate(payload.actions)
    ]
    return rca.rca_save(
        ticket=_ticket(ticket_id),
        summary=payload.summary,
        category=payload.category,
        actions=actions,
        actor=request.user,
    )


@router.get("/attachments/{int:attachment_id}")
def download_attachment(request, attachment_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.inline,
        filename=attachment.filename,
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Saved filters and canned responses ------------------------------------------------------------------------


class SavedFilterIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    query: str = Field(..., max_length=1000, description="The queue's query string, e.g. queue=mine&priority=p1.")


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str


@router.get("/saved-filters", response=list[SavedFilterOut])
def list_saved_filters(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return workspace.saved_filters_for(request.user)


@router.post("/saved-filters", response={201: SavedFilterOut})
def create_saved_filter(request, payload: SavedFilterIn):
    return Status(201, workspace.saved_filter_create(name=payload.name, query=payload.query, actor=request.user))


@router.delete("/saved-filters/{int:filter_id}", response={204: None})
def delete_saved_filter(request, filter_id: int):
    saved = get_object_or_404(SavedFilter, pk=filter_id, user=request.user)
    workspace.saved_filter_delete(saved_filter=saved, actor=request.user)
    return Status(204, None)


class CannedIn(Schema):
    title: str = Field(..., max_length=150)
    body: str = Field(..., max_length=10000)
    position: int = 100


class CannedOut(CannedIn):
    id: int


@router.get("/canned-responses", response=list[CannedOut])
def list_canned(request):
    policy.require(request.user, policy.TICKETS_VIEW)
    return CannedResponse.objects.all()


@router.post("/canned-responses", response={201: CannedOut})
def create_canned(request, payload: CannedIn):
    return Status(201, workspace.canned_response_save(actor=request.user, **payload.dict()))


@router.get("/canned-responses/{int:response_id}", response=CannedOut)
def get_canned(request, response_id: int):
    policy.require(request.user, policy.TICKETS_VIEW)
    return get_object_or_404(CannedResponse, pk=response_id)


@router.put("/canned-responses/{int:response_id}", response=CannedOut)
def update_canned(request, response_id: int, payload: CannedIn):
    response = get_object_or_404(CannedResponse, pk=response_id)
    return workspace.canned_response_save(response=response, actor=request.user, **payload.dict())


@router.delete("/canned-responses/{int:response_id}", response={204: None})
def delete_canned(request, response_id: int):
    workspace.canned_response_delete(response=get_object_or_404(CannedResponse, pk=response_id), actor=request.user)
    return Status(204, None)
