"""The ticket timeline: one small function per kind of event, written inside the service's transaction (Saleor)."""

import datetime as dt

from django.db import models
from django.utils import timezone

from heartdesk.tickets.choices import (
    Channel,
    EventKind,
    Level,
    LinkKind,
    Priority,
    RootCauseCategory,
    Status,
    Target,
    TicketType,
)
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


def build(ticket: Ticket, kind: str, *, actor=None, actor_label: str = "", when=None, **data) -> dict:
    """An event as a row, for batch work that writes thousands with `bulk.insert_rows` (no model instances)."""
    return {
        "ticket_id": ticket.pk,
        "kind": kind,
        "actor_id": actor.pk if actor else None,
        "actor_label": actor_label or (actor.display_name if actor else ""),
        "data": {k: value(v) for k, v in data.items()},
        "created_at": when or timezone.now(),
    }


def record(ticket: Ticket, kind: str, *, actor=None, actor_label: str = "", when=None, **data) -> TicketEvent:
    event = TicketEvent(**build(ticket, kind, actor=actor, actor_label=actor_label, when=when, **data))
    event.save()
    return event


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


# --- Reading the timeline -------------------------------------------------------------------------------------

_LABELS = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
    "level": dict(Level.choices),
    "type": dict(TicketType.choices),
    "channel": dict(Channel.choices),
    "target": dict(Target.choices),
    "link": dict(LinkKind.choices),
    "category": dict(RootCauseCategory.choices),
}


def _label(field: str, v) -> str:
    if v in (None, "", []):
        return "—"
    if isinstance(v, dict):
        return str(v.get("label", v.get("id", "")))
    if isinstance(v, list):
        return ", ".join(_label(field, x) for x in v) or "—"
    return str(_LABELS.get(field, {}).get(v, v))


def _time(v) -> str:
    try:
        return timezone.localtime(dt.datetime.fromisoformat(v)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return "—"


def describe(event: TicketEvent) -> str:
    """One line a person reads in the timeline (the page and the API's `summary`)."""
    d = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return f"Opened via {_label('channel', d.get('channel'))} as {_label('priority', d.get('priority'))}"
    if kind == EventKind.SLA:
        target = _label("target", d.get("target")) if d.get("target") else ""
        what = d.get("what", "")
        if what == "policy applied":
            return f"SLA policy applied: {d.get('policy', '—')}"
        due = f" (due {_time(d['due_at'])})" if d.get("due_at") else ""
        return f"{target} {what}{due}".strip()
    if kind in (EventKind.ESCALATED, EventKind.DEESCALATED):
        verb = "Escalated" if kind == EventKind.ESCALATED else "De-escalated"
        rule = f" by rule “{d['rule']}”" if d.get("rule") else ""
        return f"{verb} {_label('level', d.get('old'))} → {_label('level', d.get('new'))}{rule}: {d.get('reason', '')}"
    if kind == EventKind.PROMISE:
        note = f": {d['note']}" if d.get("note") else ""
        return f"Promised the customer an update by {_time(d.get('due_at'))}{note}"
    if kind in (EventKind.LINKED, EventKind.UNLINKED):
        verb = "Linked" if kind == EventKind.LINKED else "Unlinked"
        return f"{verb}: {_label('link', d.get('link'))} {d.get('target', '')}"
    if kind == EventKind.RCA:
        return f"Root cause analysis {d.get('what', 'written')}: {_label('category', d.get('category'))}"
    if kind == EventKind.REOPENED:
        return "Reopened by the customer's reply" if not event.actor_id else "Reopened"
    if kind == EventKind.FOLLOW_UP:
        if d.get("follow_up"):
            return f"The customer wrote after it was closed: follow-up {d['follow_up']}"
        return f"Follow-up of {d.get('follow_up_of', '—')}"
    if kind == EventKind.IMPORTED:
        return f"Imported from {d.get('source', 'another help desk')} ({d.get('external_id', '')})"
    if "field" in d:
        field = d["field"]
        text = f"{field.replace('_', ' ').capitalize()}: {_label(field, d.get('old'))} → {_label(field, d.get('new'))}"
        return text + (f" ({d['reason']})" if d.get("reason") else "")
    return ", ".join(f"{k.replace('_', ' ')}: {_label(k, v)}" for k, v in d.items() if k != "message_id")
