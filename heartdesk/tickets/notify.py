"""How the help desk tells staff about tickets: `messaging.notify` notices that open the ticket, say its reference
once when joined, and mail only within the ticket's SLA business hours ("no escalation mail at midnight for a
business-hours policy")."""

import datetime as dt

from django.urls import reverse

from heartdesk.messaging import notify
from heartdesk.messaging.notify import team_members
from heartdesk.tickets import selectors
from heartdesk.tickets.models import Ticket

__all__ = ["many", "manager_of", "team", "team_members", "users"]


def notice(recipients, ticket: Ticket | None, kind: str, text: str, *, email: bool = True, calendars=None):
    """A notice about `ticket`; `calendars` caches each policy's calendar across a batch."""
    if ticket is None:
        return notify.Notice(recipients=list(recipients), kind=kind, text=text, email=email)
    if calendars is None:
        calendar = selectors.business_hours_of(ticket)
    else:
        if ticket.sla_policy_id not in calendars:
            calendars[ticket.sla_policy_id] = selectors.business_hours_of(ticket)
        calendar = calendars[ticket.sla_policy_id]
    return notify.Notice(
        recipients=list(recipients),
        kind=kind,
        text=text,
        about=ticket,
        url=reverse("tickets:ticket", args=[ticket.pk]),
        label=ticket.reference,
        calendar=calendar,
        email=email,
    )


def users(recipients, ticket: Ticket | None, kind: str, text: str, *, now: dt.datetime, email: bool = True) -> None:
    """Call inside the service's transaction; the email job is enqueued on commit."""
    many([(recipients, ticket, kind, text)], now=now, email=email)


def many(items, *, now: dt.datetime, email: bool = True) -> None:
    """Several notifications in one insert: items are (recipients, ticket, kind, text); used by batch work.
    One person hears of one ticket once per call (`messaging.notify.send`)."""
    calendars: dict = {}
    notify.send(
        [notice(r, ticket, kind, text, email=email, calendars=calendars) for r, ticket, kind, text in items], now=now
    )


def team(team, ticket, kind: str, text: str, *, now: dt.datetime) -> None:
    users(team_members(team), ticket, kind, text, now=now)


manager_of = selectors.ticket_manager
