"""Reads of the help desk; the queue and ticket page query counts are pinned in tests."""

from django.db.models import Count, Prefetch, Q, QuerySet

from heartdesk.core.pagination import Page, keyset_page
from heartdesk.tickets.filters import IS_TRUE, TicketFilters
from heartdesk.tickets.models import (
    Attachment,
    Escalation,
    Message,
    SlaClock,
    Ticket,
    TicketEvent,
    TicketLink,
)

DUE_ORDER = ("due_key", "id")


def ticket_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("requester", "organization", "assignee", "team")


def ticket_page(*, filters: TicketFilters, user, cursor: str | None = None, size: int = 50) -> Page:
    qs = filters.apply(ticket_queryset().select_related("sla_policy"), user=user)  # the API shows the policy
    if filters.ordered_by_due:
        return keyset_page(qs, order=DUE_ORDER, cursor=cursor, size=size)
    return keyset_page(qs, order=("id",), cursor=cursor, size=size, descending=True)


def ticket_detail(pk: int) -> Ticket:
    return (
        ticket_queryset()
        .select_related(
            "sla_policy", "requester__organization", "organization__tier", "requester__tier", "follow_up_of"
        )
        .prefetch_related("tags", "followers")
        .get(pk=pk)
    )


def messages(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket)
        .select_related("author", "contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "id"))


def clocks(ticket: Ticket) -> list[SlaClock]:
    return list(SlaClock.objects.filter(ticket=ticket).prefetch_related("events").order_by("started_at", "id"))


def links(ticket: Ticket) -> list[TicketLink]:
    return list(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related("source", "target").order_by("id")
    )


def escalations(ticket: Ticket) -> list[Escalation]:
    return list(Escalation.objects.filter(ticket=ticket).select_related("actor", "rule").order_by("created_at", "id"))


def recent_for_requester(ticket: Ticket, limit: int = 5) -> list[Ticket]:
    if not ticket.requester_id:
        return []
    return list(
        Ticket.objects.filter(requester_id=ticket.requester_id).exclude(pk=ticket.pk).order_by("-created_at")[:limit]
    )


def queue_counts(user) -> dict[str, int]:
    """Open tickets per queue for the workspace's side bar (one aggregate query)."""
    teams = list(user.teams.values_list("id", flat=True))
    return Ticket.objects.filter(is_open=IS_TRUE).aggregate(
        mine=Count("id", filter=Q(assignee=user.pk)),
        team=Count("id", filter=Q(team__in=teams)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        at_risk=Count("id", filter=Q(at_risk=True)),
        breached=Count("id", filter=Q(breached=True)),
    )
