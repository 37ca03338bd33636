"""Root cause analysis: required for every P1 and for a recurring P2 (guide 002), written with corrective actions that
each have an owner and a due date; a ticket that needs one cannot be closed without it."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core import validation
from heartdesk.core.errors import Invalid
from heartdesk.tickets import events
from heartdesk.tickets.choices import EventKind, LinkKind, Priority, RootCauseCategory
from heartdesk.tickets.locking import lock
from heartdesk.tickets.models import CorrectiveAction, RootCauseAnalysis, Ticket, TicketLink

RECURRENCE = 3  # a P2 is recurring when its organization and category come up this often …
RECURRENCE_DAYS = 30  # … within this many days


def rca_required(ticket: Ticket) -> bool:
    """P1 always; P2 when it recurs (same organization and category 3 times in 30 days) or a problem caused it."""
    if ticket.priority == Priority.P1:
        return True
    if ticket.priority != Priority.P2:
        return False
    if TicketLink.objects.filter(source=ticket, kind=LinkKind.CAUSED_BY).exists():
        return True
    if ticket.organization_id and ticket.category:
        since = ticket.created_at - dt.timedelta(days=RECURRENCE_DAYS)
        recent = Ticket.objects.filter(
            organization_id=ticket.organization_id,
            category=ticket.category,
            created_at__gte=since,
            created_at__lte=ticket.created_at + dt.timedelta(days=RECURRENCE_DAYS),
        )
        return recent.count() >= RECURRENCE
    return False


@dataclass
class ActionIn:
    description: str
    owner: User | None
    due_date: dt.date | None


@transaction.atomic
def rca_save(*, ticket: Ticket, summary: str, category: str, actions: list[ActionIn], actor: User, now=None):
    """Write or replace the root cause analysis: summary, root-cause category, corrective actions with owners."""
    policy.require(actor, policy.TICKETS_WORK)
    now = now or timezone.now()
    ticket = lock(ticket)
    summary = validation.text(summary, "summary", max_length=5000, required=True)
    validation.choice(category, RootCauseCategory, "category")
    if not actions:
        raise Invalid("Name at least one corrective action with an owner and a due date.", field="actions")
    for i, action in enumerate(actions):
        validation.text(action.description, f"actions.{i}.description", max_length=500, required=True, one_line=True)
        if action.owner is None:
            raise Invalid("Each corrective action needs an owner.", field=f"actions.{i}.owner")
        if action.due_date is None:
            raise Invalid("Each corrective action needs a due date.", field=f"actions.{i}.due_date")
    rca, created = RootCauseAnalysis.objects.update_or_create(
        ticket=ticket,
        defaults={"summary": summary, "category": category, "updated_at": now},
        create_defaults={
            "summary": summary,
            "category": category,
            "created_by": actor,
            "created_at": now,
            "updated_at": now,
        },
    )
    rca.actions.all().delete()
    CorrectiveAction.objects.bulk_create(
        CorrectiveAction(rca=rca, description=" ".join(a.description.split()), owner=a.owner, due_date=a.due_date)
        for a in actions
    )
    events.record(
        ticket,
        EventKind.RCA,
        actor=actor,
        when=now,
        what="written" if created else "updated",
        category=category,
        actions=len(actions),
    )
    return rca
