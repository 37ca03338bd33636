"""The ticket events our outgoing webhooks carry: emitted inside the service's transaction, delivered after commit."""

from heartdesk.messaging import quiet
from heartdesk.tickets import events
from heartdesk.tickets.models import Ticket
from heartdesk.webhooks.dispatch import emit


def on_commit_webhook(event_type: str, ticket: Ticket, **extra) -> None:
    """Call inside the transaction: the deliveries are written with it and sent after commit."""
    if quiet.is_quiet():
        return
    emit(event_type, {"ticket": ticket_payload(ticket), **extra}, ref=ticket.reference)


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "type": ticket.type,
        "level": ticket.level,
        "requester_id": ticket.requester_id,
        "organization_id": ticket.organization_id,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "first_response_due": events.value(ticket.first_response_due),
        "next_update_due": events.value(ticket.next_update_due),
        "resolution_due": events.value(ticket.resolution_due),
    }
