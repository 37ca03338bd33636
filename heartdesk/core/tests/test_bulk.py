"""`bulk.insert_rows` stores rows exactly as the ORM's own save would (run on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from django.db import transaction

from heartdesk.core import bulk
from heartdesk.messaging.models import Notification
from heartdesk.tickets.choices import ClockEventKind, EventKind
from heartdesk.tickets.models import SlaClock, SlaClockEvent, TicketEvent
from heartdesk.tickets.tests.factories import MONDAY_10, ticket

pytestmark = pytest.mark.django_db
FIELDS = ("ticket_id", "kind", "actor_id", "actor_label", "data", "created_at")


def test_rows_read_back_equal_to_what_save_writes(cast):
    t = ticket()
    when = dt.datetime(2026, 11, 16, 10, 0, 0, 123456, tzinfo=dt.UTC)
    data = {"what": "breached", "nested": {"ü": [1, 2.5, None, True]}, "quote": 'it\'s \\ "x"\ttab\nline'}
    saved = TicketEvent.objects.create(ticket=t, kind=EventKind.SLA, actor_label="SLA", data=data, created_at=when)
    bulk.insert_rows(
        TicketEvent,
        [{"ticket_id": t.pk, "kind": EventKind.SLA, "actor_label": "SLA", "data": data, "created_at": when}],
    )
    mine = TicketEvent.objects.filter(ticket=t, created_at=when).order_by("id")
    rows = list(mine.values_list(*FIELDS))
    assert rows == [rows[0]] * 2
    assert rows[0] == (t.pk, "sla", None, "SLA", data, when)
    assert saved.pk == mine.first().pk


def test_a_missing_field_takes_its_default_and_nulls_stay_null(cast):
    t = ticket()
    clock = SlaClock.objects.filter(ticket=t).first()
    bulk.insert_rows(SlaClockEvent, [{"clock_id": clock.pk, "kind": ClockEventKind.BREACHED, "at": MONDAY_10}])
    event = SlaClockEvent.objects.get(clock=clock, kind=ClockEventKind.BREACHED)
    assert event.data == {} and event.at == MONDAY_10
    user = next(iter(cast.values()))
    bulk.insert_rows(Notification, [{"user_id": user.pk, "about_id": None, "kind": "breached", "text": "x"}])
    note = Notification.objects.get(user=user, text="x")
    assert note.about_id is None and note.read_at is None and note.email_after is None


def test_rows_written_in_a_transaction_that_fails_are_gone(cast):
    t = ticket()
    before = TicketEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        bulk.insert_rows(TicketEvent, [{"ticket_id": t.pk, "kind": EventKind.SLA, "data": {}, "created_at": MONDAY_10}])
        assert TicketEvent.objects.count() == before + 1
        raise RuntimeError("the batch failed after its inserts")
    assert TicketEvent.objects.count() == before
