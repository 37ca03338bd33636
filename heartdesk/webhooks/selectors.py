"""Reads of webhooks and their delivery logs. Query counts of the pages are pinned in tests."""

from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from heartdesk.core.pagination import Page, keyset_page
from heartdesk.webhooks.choices import DeliveryState
from heartdesk.webhooks.filters import DeliveryFilters
from heartdesk.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


def webhook_list() -> QuerySet[Webhook]:
    return Webhook.objects.select_related("created_by").order_by("name", "id")


def webhook_detail(webhook_id: int) -> Webhook:
    return Webhook.objects.select_related("created_by").get(pk=webhook_id)


def delivery_page(
    *, webhook_id: int, filters: DeliveryFilters | None = None, cursor: str | None = None, size: int = 50
) -> Page:
    """The delivery log newest first, keyset-paged over the (webhook, -id) index, each delivery with its attempts:
    two queries at any depth."""
    qs = WebhookDelivery.objects.filter(webhook_id=webhook_id)
    if filters is not None:
        qs = filters.apply(qs)
    page = keyset_page(qs, order=("id",), cursor=cursor, size=size, descending=True)
    prefetch_related_objects(page.items, Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("id")))
    return page


def delivery_detail(*, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    return (
        WebhookDelivery.objects.prefetch_related(
            Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("id"))
        )
        .filter(webhook_id=webhook_id)
        .get(pk=delivery_id)
    )


def overdue_delivery_ids(*, grace: timedelta, limit: int, now: datetime | None = None) -> list[int]:
    """Pending deliveries due more than `grace` ago: their queued job was lost. Read through the due index."""
    before = (now or timezone.now()) - grace
    return list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=before)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
