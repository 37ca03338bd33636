"""Every ticket write holds the ticket's row lock: read it with `lock`, change it, write it with `save_locked`."""

from heartdesk.core.errors import NotFound
from heartdesk.tickets.choices import OPEN_STATUSES
from heartdesk.tickets.models import Ticket
from heartdesk.tickets.sla import clocks


def lock(ticket: Ticket | int) -> Ticket:
    """The ticket, re-read under its row lock (call inside a transaction)."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("sla_policy", "organization", "requester")
            .get(pk=pk)
        )
    except Ticket.DoesNotExist:
        raise NotFound(f"No ticket {pk}.", field="ticket")


def save_locked(ticket: Ticket, *, now) -> None:
    """Write a ticket its service holds the lock of: its open flag and due columns follow its status and clocks."""
    ticket.is_open = ticket.status in OPEN_STATUSES
    clocks.sync_ticket_dues(ticket, now=now)
    ticket.updated_at = now
    ticket.save()
