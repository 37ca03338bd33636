"""One filter definition for ticket queues, used by the workspace page and the API list (NetBox's rule)."""

import re
from enum import StrEnum

from django.db.models import Q, QuerySet, Value
from ninja import Schema
from pydantic import Field

from heartdesk.tickets.choices import Channel, Level, Priority, Status
from heartdesk.tickets.models import Ticket


class Queue(StrEnum):
    MINE = "mine"
    TEAM = "team"
    UNASSIGNED = "unassigned"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    OPEN = "open"
    ALL = "all"


QUEUE_LABELS = {
    Queue.MINE: "Mine",
    Queue.TEAM: "My teams",
    Queue.UNASSIGNED: "Unassigned",
    Queue.AT_RISK: "At risk",
    Queue.BREACHED: "Breached",
    Queue.OPEN: "All open",
    Queue.ALL: "Everything",
}
# `is_open = true`, not Django's bare `WHERE is_open`: SQLite uses an index for a comparison only, so the bare form
# scanned every ticket and sorted (PostgreSQL plans both the same). Value() keeps Django from shortening it.
IS_TRUE = Value(True)
# A ticket reference as people type it: "HD-123", "#123", "123".
REFERENCE = re.compile(r"^\s*(?:[A-Za-z]+-)?#?(\d{1,12})\s*$")


class TicketFilters(Schema):
    queue: Queue = Field(Queue.OPEN, description="mine, team, unassigned, at_risk, breached, open, all.")
    status: Status | None = None
    priority: Priority | None = None
    level: Level | None = None
    channel: Channel | None = None
    assignee: int | None = Field(None, description="Staff user id.")
    team: int | None = Field(None, description="Team id.")
    requester: int | None = Field(None, description="Contact id.")
    organization: int | None = Field(None, description="Organization id.")
    q: str | None = Field(None, max_length=200, description="A ticket reference (HD-123) or words of the subject.")

    @property
    def ordered_by_due(self) -> bool:
        """Open queues sort by the next due time (most urgent first); "all" by newest."""
        return self.queue != Queue.ALL and self.status not in (Status.SOLVED, Status.CLOSED)

    def apply(self, qs: QuerySet[Ticket], *, user) -> QuerySet[Ticket]:
        q = Q()
        if self.ordered_by_due:
            q &= Q(is_open=IS_TRUE)
        if self.queue == Queue.MINE:
            q &= Q(assignee=user.pk)
        elif self.queue == Queue.TEAM:
            q &= Q(team__in=list(user.teams.values_list("id", flat=True)))
        elif self.queue == Queue.UNASSIGNED:
            q &= Q(assignee__isnull=True)
        elif self.queue == Queue.AT_RISK:
            q &= Q(at_risk=IS_TRUE)
        elif self.queue == Queue.BREACHED:
            q &= Q(breached=IS_TRUE)
        for field in ("status", "priority", "level", "channel"):
            value = getattr(self, field)
            if value:
                q &= Q(**{field: value})
        for field in ("assignee", "team", "requester", "organization"):
            value = getattr(self, field)
            if value:
                q &= Q(**{f"{field}_id": value})
        text = (self.q or "").strip()
        if text:
            match = REFERENCE.match(text)
            q &= Q(pk=int(match.group(1))) if match else Q(subject__icontains=text)
        return qs.filter(q)

    @property
    def active(self) -> bool:
        return any(
            getattr(self, f)
            for f in ("status", "priority", "level", "channel", "assignee", "team", "requester", "organization", "q")
        )
