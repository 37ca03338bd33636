"""KPI facts: the one hook by which writes tell the KPI roll-ups which facts they touched.

Rows that hold KPI facts (tickets, SLA clocks, escalations, invitations, responses, follow-ups, and the contacts
and organizations whose segment and tier they are grouped by) inherit `FactSource`. Saving or deleting one passes
the watched fields' values as loaded and as written to the handler; bulk writes (`.update()`, `bulk_create`) send
nothing by themselves, so the services that use them call `touched()` with what they changed.

The handler is registered by `reporting` in its AppConfig.ready(): nothing here or in the apps below it imports
`reporting`, and with no handler (a project without reporting) every call is a no-op.
"""

from collections.abc import Iterable
from typing import Protocol

from django.db import models

UNKNOWN = object()  # a field deferred when the row was loaded: counts as changed


class Handler(Protocol):
    def watched(self, model: type[models.Model]) -> tuple[str, ...]: ...

    def row_written(self, instance, before: dict | None, *, created: bool, deleted: bool) -> None: ...

    def touched(
        self, *, moments: Iterable, tickets: Iterable[int], contacts: Iterable[int], organizations: Iterable[int]
    ) -> None: ...


_handler: Handler | None = None


def register(handler: Handler | None) -> None:
    global _handler
    _handler = handler


def touched(
    *,
    moments: Iterable = (),
    tickets: Iterable[int] = (),
    contacts: Iterable[int] = (),
    organizations: Iterable[int] = (),
) -> None:
    """A bulk write changed facts: the instants they sit on, and the tickets, contacts, organizations whose
    dimensions changed (their dependent facts move with them). Call inside the writer's transaction."""
    if _handler is not None:
        _handler.touched(moments=moments, tickets=tickets, contacts=contacts, organizations=organizations)


def _values(instance, fields: tuple[str, ...]) -> dict:
    loaded = instance.__dict__
    return {f: loaded.get(f, UNKNOWN) for f in fields}


class FactSource(models.Model):
    """A row some KPI counts or groups by: its watched values are remembered when loaded and after each write."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        created = self._state.adding
        super().save(*args, **kwargs)
        if _handler is not None and not kwargs.get("raw"):
            fields = _handler.watched(type(self))
            _handler.row_written(self, getattr(self, "_facts_seen", None), created=created, deleted=False)
            self._facts_seen = _values(self, fields)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        if _handler is not None:
            before = getattr(self, "_facts_seen", None) or _values(self, _handler.watched(type(self)))
            _handler.row_written(self, before, created=False, deleted=True)
        return super().delete(*args, **kwargs)

    delete.alters_data = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if _handler is not None:
            instance._facts_seen = _values(instance, _handler.watched(cls))
        return instance
