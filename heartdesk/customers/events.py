"""The customer history log: one small function per kind of change, written inside the service's transaction."""

import datetime as dt

from django.db import models
from django.utils import timezone

from heartdesk.customers.choices import HistoryKind
from heartdesk.customers.models import Contact, CustomerHistory, Organization


def history_value(value):
    """A JSON-safe, human-readable value for the history (records are shown by name, dates in ISO form)."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [history_value(v) for v in value]
    return value


def _subject(instance: Organization | Contact) -> dict:
    return {"organization": instance} if isinstance(instance, Organization) else {"contact": instance}


def record(instance, kind: str, *, actor, changes: dict | None = None, note: str = "", when=None):
    return CustomerHistory.objects.create(
        **_subject(instance),
        kind=kind,
        actor=actor,
        changes=changes or {},
        note=note,
        created_at=when or timezone.now(),
    )


def created(instance, *, actor, changes):
    return record(instance, HistoryKind.CREATED, actor=actor, changes=changes)


def updated(instance, *, actor, changes):
    return record(instance, HistoryKind.UPDATED, actor=actor, changes=changes)


def deleted(instance, *, actor, reason: str = ""):
    return record(instance, HistoryKind.DELETED, actor=actor, note=reason)


def restored(instance, *, actor):
    return record(instance, HistoryKind.RESTORED, actor=actor)


def erased(instance, *, actor, reason: str = ""):
    return record(instance, HistoryKind.ERASED, actor=actor, note=reason)


def imported_row(instance, *, actor, changes, import_id, when) -> CustomerHistory:
    """Built unsaved: imports write their history with bulk_create."""
    return CustomerHistory(
        **_subject(instance),
        kind=HistoryKind.IMPORTED,
        actor=actor,
        changes=changes,
        note=f"CSV import #{import_id}",
        created_at=when,
    )
