"""The ticket timeline: one small function per kind of event, written inside the service's transaction (Saleor)."""

import datetime as dt

from django.db import models
from django.utils import timezone

from heartdesk.tickets.choices import EventKind
from heartdesk.tickets.models import Ticket, TicketEvent


def value(v):
    """JSON-safe, readable: records as {id, label}, times in ISO form, choices as their value."""
    if isinstance(v, models.Model):
        return {"id": v.pk, "label": str(v)}
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple, set)):
        return [value(x) for x in v]
    return v


def record(ticket: Ticket, kind: str, *, actor=None, actor_label: str = "", when=None, **data) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        actor_label=actor_label or (actor.display_name if actor else ""),
        data={k: value(v) for k, v in data.items()},
        created_at=when or timezone.now(),
    )


def changed(ticket, kind: str, *, field: str, old, new, actor=None, actor_label="", when=None, **extra):
    return record(ticket, kind, actor=actor, actor_label=actor_label, when=when, field=field, old=old, new=new, **extra)


def created(ticket, *, actor=None, actor_label="", when=None):
    return record(
        ticket,
        EventKind.CREATED,
        actor=actor,
        actor_label=actor_label,
        when=when,
        channel=ticket.channel,
        priority=ticket.priority,
        status=ticket.status,
    )


def message_added(ticket, message, *, actor=None, actor_label="", when=None):
    return record(
        ticket,
        EventKind.MESSAGE,
        actor=actor,
        actor_label=actor_label,
        when=when or message.created_at,
        message_id=message.pk,
        message_kind=message.kind,
        direction=message.direction,
    )


def sla(ticket, *, what: str, target: str, when=None, actor_label="SLA", **data):
    return record(ticket, EventKind.SLA, actor_label=actor_label, when=when, what=what, target=target, **data)
