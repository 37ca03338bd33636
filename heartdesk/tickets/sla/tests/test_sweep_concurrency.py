"""Two workers sweeping at the same moment record each breach, event and rule escalation exactly once."""

import datetime as dt
import threading

import pytest
from django.db import connection

from heartdesk.tickets.choices import ClockEventKind, Target
from heartdesk.tickets.models import Escalation, SlaClock, SlaClockEvent, TicketEvent
from heartdesk.tickets.sla import sweep
from heartdesk.tickets.tests.factories import MONDAY_10, contact, ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_sweepers_at_once_record_every_breach_once(monkeypatch):
    monkeypatch.setattr(sweep, "BATCH", {"postgresql": 7, "sqlite": 7})  # several batches: the sweepers interleave
    requester = contact()
    for i in range(30):
        ticket(requester=requester, subject=f"t{i}", priority="p2", now=MONDAY_10 + dt.timedelta(minutes=i))
    now = MONDAY_10 + dt.timedelta(days=3)
    due = SlaClock.objects.filter(due_at__lte=now, target__in=[Target.FIRST_RESPONSE, Target.RESOLUTION]).count()
    results, errors = [], []

    def work():
        try:
            results.append(sweep.run(now=now))
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(r["breached"] for r in results) == due
    assert SlaClockEvent.objects.filter(kind=ClockEventKind.BREACHED).count() == due
    assert TicketEvent.objects.filter(kind="sla", data__what="breached").count() == due
    assert Escalation.objects.count() == 30  # the seeded rule, once per ticket
    assert sweep.run(now=now)["breached"] == 0
