"""Reads of the help desk; the queue and ticket page query counts are pinned in tests."""

from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from heartdesk.accounts.models import User
from heartdesk.calendars.selectors import business_calendar
from heartdesk.core.pagination import Page, keyset_page
from heartdesk.tickets.filters import IS_TRUE, TicketFilters
from heartdesk.tickets.mail import outbound
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


# What a queue page's row shows (tickets/partials/queue_results.html), and the keys it pages by.
QUEUE_ROW = (
    "subject",
    "priority",
    "status",
    "level",
    "due_key",
    "at_risk",
    "breached",
    "requester__first_name",
    "requester__last_name",
    "requester__email",
    "organization__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "team__name",
)


def queue_rows() -> QuerySet[Ticket]:
    """The queue page's rows: the four joins it shows, their columns only. Whole rows (and the SLA policy the API
    shows) were 100 columns, 280 model instances and 800 parsed datetimes a page, on both databases, and the
    policy's join cost PostgreSQL ~0.8 ms more planning."""
    return Ticket.objects.select_related("requester", "organization", "assignee", "team").only(*QUEUE_ROW)


def ticket_page(
    *,
    filters: TicketFilters,
    user,
    cursor: str | None = None,
    size: int = 50,
    rows: QuerySet[Ticket] | None = None,
) -> Page:
    """One page of a queue, of `rows` (the API's whole tickets with their policy unless given)."""
    if rows is None:
        rows = ticket_queryset().select_related("sla_policy")  # the API shows the policy
    qs = filters.apply(rows, user=user)
    if filters.ordered_by_due:
        return keyset_page(qs, order=DUE_ORDER, cursor=cursor, size=size)
    return keyset_page(qs, order=("id",), cursor=cursor, size=size, descending=True)


def ticket_detail(pk: int, *, people: bool = True) -> Ticket:
    """The ticket with what its page and the API show: requester (and tier), organization (and tier), assignee and
    team, policy, tags. Two queries. `people=False` leaves the assignee and team unread (the ticket page shows them
    only as the selected choice, by id): two joins fewer, which PostgreSQL spent ~1.3 ms planning."""
    rows = ticket_queryset() if people else Ticket.objects.select_related("requester", "organization")
    return (
        rows.select_related("sla_policy", "organization__tier", "requester__tier", "follow_up_of")
        .prefetch_related("tags")
        .get(pk=pk)
    )


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("author", "contact").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


def messages(ticket: Ticket) -> list[Message]:
    return list(_messages().filter(ticket=ticket).order_by("created_at", "id"))


def message_detail(pk: int) -> Message:
    return _messages().get(pk=pk)


def timeline(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("created_at", "id"))


def clocks(ticket: Ticket, *, events: bool = True) -> list[SlaClock]:
    """The ticket's clocks, with their events unless `events=False` (the ticket page does not show them)."""
    rows = SlaClock.objects.filter(ticket=ticket).order_by("started_at", "id")
    return list(rows.prefetch_related("events") if events else rows)


def links(ticket: Ticket) -> list[TicketLink]:
    """The ticket's links both ways, each with the other ticket's number and subject (only those: building the SQL
    for two whole ticket rows cost more than running it, 1.5 ms a page, mostly for tickets with no links)."""
    rows = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related("source", "target")
    return list(rows.only("kind", "created_at", "created_by", "source__subject", "target__subject").order_by("id"))


def escalations(ticket: Ticket) -> list[Escalation]:
    return list(Escalation.objects.filter(ticket=ticket).select_related("actor", "rule").order_by("created_at", "id"))


def recent_for_requester(ticket: Ticket, limit: int = 5) -> list[Ticket]:
    if not ticket.requester_id:
        return []
    return list(
        Ticket.objects.filter(requester_id=ticket.requester_id).exclude(pk=ticket.pk).order_by("-created_at")[:limit]
    )


QUEUE_COUNT_CAP = 1000  # the side bar says "999+" past this: nobody needs the exact size of a four-digit queue
# The keys of the queue indexes (Ticket.Meta.indexes), column names so no ordering follows a relation.
BY_ASSIGNEE = ("assignee_id", "is_open", "due_key", "id")
BY_TEAM = ("team_id", "is_open", "due_key", "id")
BY_AT_RISK = ("is_open", "at_risk", "due_key", "id")
BY_BREACHED = ("is_open", "breached", "due_key", "id")


def _open_count(index: tuple[str, ...], **where):
    """How many open tickets match `where`, counting at most QUEUE_COUNT_CAP entries of the queue's `index` (a
    scalar subquery over a LIMITed read of it), so the side bar costs the same with 1,000 or 100,000 open tickets.

    The read is ordered by the index's whole key, so both databases walk that index in order and stop at the cap.
    Unordered, PostgreSQL chose by its row estimates: a bitmap heap scan that first collected every matching entry
    (34,389 for "unassigned", which it guessed at 3,314: assignee and is_open are not independent) or, for a team,
    a sequential scan of the table that stops only after 1,000 open rows, wherever in 1 M tickets it starts. The
    whole key matters for "unassigned": `assignee IS NULL` is not an equality to PostgreSQL's planner, so ordering
    by (due_key, id) alone made it sort all 31,000 unassigned tickets instead."""
    rows = Ticket.objects.filter(is_open=IS_TRUE, **where).order_by(*index)
    capped = rows.values("id")[:QUEUE_COUNT_CAP]
    sql, params = capped.query.sql_with_params()
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params, output_field=IntegerField())


def queue_counts(user) -> dict[str, int]:
    """Open tickets per queue for the workspace's side bar: one query of five index-only counts.

    (One COUNT … FILTER pass over the open tickets read every open row from the table: 150–260 ms at 100,000 open
    tickets on SQLite; uncapped index counts took 12–19 ms.) The user's own row only gives the query its one row.
    """
    teams = list(user.teams.values_list("id", flat=True))
    return (
        User.objects.filter(pk=user.pk)
        .values(
            mine=_open_count(BY_ASSIGNEE, assignee=user.pk),
            team=_open_count(BY_TEAM, team__in=teams) if teams else Value(0),
            unassigned=_open_count(BY_ASSIGNEE, assignee__isnull=True),
            at_risk=_open_count(BY_AT_RISK, at_risk=IS_TRUE),
            breached=_open_count(BY_BREACHED, breached=IS_TRUE),
        )
        .get()
    )


def ticket_manager(ticket: Ticket):
    """Who manages a ticket: its team's manager, else a manager of one of its assignee's teams (None if neither)."""
    if ticket.team_id and ticket.team.manager_id:
        return ticket.team.manager
    if ticket.assignee_id:
        managed = ticket.assignee.teams.exclude(manager=None).select_related("manager").first()
        if managed:
            return managed.manager
    return None


def business_hours_of(ticket: Ticket | None):
    """The business calendar a ticket's SLA counts in (None: around the clock): mail about it keeps these hours."""
    if ticket is None or ticket.sla_policy is None or ticket.sla_policy.calendar is None:
        return None
    return business_calendar(ticket.sla_policy.calendar)


def mail_thread(ticket: Ticket, what: str) -> dict:
    """A Message-ID and threading headers (`message_id`, `in_reply_to`, `references`) for a new mail about
    `ticket`, for other apps' mail that belongs in its conversation (a survey invitation)."""
    return outbound.thread(ticket, what)
