"""emit(): the contract other apps call inside their transactions."""

import datetime as dt
import uuid

import pytest
from django.db import transaction

from heartdesk.webhooks.dispatch import emit
from heartdesk.webhooks.models import WebhookDelivery
from heartdesk.webhooks.tests.conftest import make_webhook


def test_emit_with_no_webhooks_creates_nothing_in_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        emit("ticket.created", {"ticket": {"id": 1}}, ref="HD-1")
    assert WebhookDelivery.objects.count() == 0


def test_emit_with_no_subscribed_webhook_creates_nothing(manager, django_assert_num_queries):
    make_webhook(manager, events=["ticket.updated"])
    make_webhook(manager, events=["*"], active=False)
    with django_assert_num_queries(1):
        emit("ticket.created", {"ticket": {"id": 1}})
    assert WebhookDelivery.objects.count() == 0


def test_emit_queues_one_delivery_per_active_subscribed_webhook(
    manager, django_assert_num_queries, django_capture_on_commit_callbacks
):
    everything = make_webhook(manager, name="All", events=["*"])
    created = make_webhook(manager, name="Created", events=["ticket.created", "ticket.message"])
    make_webhook(manager, name="Updates", events=["ticket.updated"])
    make_webhook(manager, name="Off", events=["*"], active=False)
    when = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(2):  # read + one bulk insert
        emit("ticket.created", {"ticket": {"id": 7, "opened_at": when, "key": uuid.UUID(int=1)}}, ref="HD-7")
    deliveries = list(WebhookDelivery.objects.order_by("webhook__name"))
    assert [d.webhook_id for d in deliveries] == [everything.pk, created.pk]
    assert len({d.event_id for d in deliveries}) == 1 and len({d.created_at for d in deliveries}) == 1
    first = deliveries[0]
    assert (first.event_type, first.ref, first.state, first.attempts) == ("ticket.created", "HD-7", "pending", 0)
    assert first.payload == {
        "ticket": {"id": 7, "opened_at": "2025-03-01T09:30:00Z", "key": "00000000-0000-0000-0000-000000000001"}
    }
    assert len(callbacks) == 2  # one delivery job each, enqueued only when the caller commits


def test_a_rolled_back_change_sends_nothing(manager, django_capture_on_commit_callbacks):
    make_webhook(manager)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        emit("ticket.created", {"ticket": {"id": 1}})
        raise RuntimeError("the ticket was not saved after all")
    assert callbacks == [] and WebhookDelivery.objects.count() == 0


def test_emit_refuses_an_unknown_event_type_or_a_payload_that_is_not_a_dict(db):
    with pytest.raises(ValueError, match="ticket.creatd"):
        emit("ticket.creatd", {})
    with pytest.raises(TypeError):
        emit("ticket.created", ["not", "a", "dict"])
