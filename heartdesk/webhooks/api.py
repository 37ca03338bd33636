"""REST endpoints for webhooks: thin adapters over selectors and services. Every endpoint needs WEBHOOKS_MANAGE
(responses carry signing secrets)."""

import datetime as dt
import uuid

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.core.schemas import CursorPage, PageParams
from heartdesk.webhooks import selectors, services
from heartdesk.webhooks.choices import ALL_EVENTS, EventType
from heartdesk.webhooks.filters import DeliveryFilters
from heartdesk.webhooks.models import Webhook, WebhookDelivery

router = Router(tags=["webhooks"])

# --- Schemas ------------------------------------------------------------------------------------------------


class WebhookIn(Schema):
    name: str = Field(..., max_length=200)
    url: str = Field(..., max_length=4000, description="http:// or https:// address that receives the POSTs.")
    events: list[str] = Field(..., max_length=50, description='Event types, or ["*"] for every event.')
    active: bool = True


class WebhookPatch(Schema):
    name: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=4000)
    events: list[str] | None = Field(None, max_length=50)
    active: bool | None = None


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    secret: str = Field(..., description="Verify each request's Heartdesk-Signature with it.")
    events: list[str]
    active: bool
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj):
        return obj.created_by.display_name if obj.created_by else None


class AttemptOut(Schema):
    number: int
    started_at: dt.datetime
    status_code: int | None
    response_body: str
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_type: str
    event_id: uuid.UUID
    ref: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_response_body: str
    last_error: str
    duration_ms: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None

    @staticmethod
    def resolve_next_attempt_at(obj):
        return obj.next_attempt_at if obj.state == "pending" else None


class DeliveryDetailOut(DeliveryOut):
    payload: dict
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_attempt_log(obj):
        return list(obj.attempt_log.all())


class EventTypeOut(Schema):
    type: str
    label: str


def _webhook(webhook_id: int) -> Webhook:
    return get_object_or_404(Webhook, pk=webhook_id)


def _delivery(webhook_id: int, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery, pk=delivery_id, webhook_id=webhook_id)


# --- Webhooks -----------------------------------------------------------------------------------------------


@router.get("/webhooks/event-types", response=list[EventTypeOut], summary="Event types a webhook can subscribe to")
def list_event_types(request):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    return [{"type": ALL_EVENTS, "label": "Every event, including kinds added later"}] + [
        {"type": value, "label": label} for value, label in EventType.choices
    ]


@router.get("/webhooks", response=list[WebhookOut])
def list_webhooks(request):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    return list(selectors.webhook_list())


@router.post("/webhooks", response={201: WebhookOut})
def create_webhook(request, payload: WebhookIn):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    webhook = services.webhook_create(actor=request.user, **payload.dict())
    return Status(201, selectors.webhook_detail(webhook.pk))


@router.get("/webhooks/{int:webhook_id}", response=WebhookOut)
def get_webhook(request, webhook_id: int):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    return selectors.webhook_detail(_webhook(webhook_id).pk)


@router.patch("/webhooks/{int:webhook_id}", response=WebhookOut)
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    services.webhook_update(webhook=_webhook(webhook_id), actor=request.user, **payload.dict(exclude_unset=True))
    return selectors.webhook_detail(webhook_id)


@router.delete("/webhooks/{int:webhook_id}", response={204: None})
def delete_webhook(request, webhook_id: int):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    services.webhook_delete(webhook=_webhook(webhook_id), actor=request.user)
    return Status(204, None)


@router.post("/webhooks/{int:webhook_id}/rotate-secret", response=WebhookOut)
def rotate_secret(request, webhook_id: int):
    """A new signing secret, used from the next request on (retries too)."""
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    services.webhook_rotate_secret(webhook=_webhook(webhook_id), actor=request.user)
    return selectors.webhook_detail(webhook_id)


@router.post("/webhooks/{int:webhook_id}/test", response={202: DeliveryOut}, summary="Send a test event")
def send_test_event(request, webhook_id: int):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    return Status(202, services.webhook_send_test(webhook=_webhook(webhook_id), actor=request.user))


# --- Deliveries ---------------------------------------------------------------------------------------------


@router.get("/webhooks/{int:webhook_id}/deliveries", response=CursorPage[DeliveryOut])
def list_deliveries(request, webhook_id: int, filters: Query[DeliveryFilters], paging: Query[PageParams]):
    """The delivery log, newest first."""
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    _webhook(webhook_id)
    page = selectors.delivery_page(webhook_id=webhook_id, filters=filters, cursor=paging.cursor, size=paging.page_size)
    return {"results": page.items, "next": page.next_cursor, "previous": page.previous_cursor}


@router.get("/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}", response=DeliveryDetailOut)
def get_delivery(request, webhook_id: int, delivery_id: int):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    _delivery(webhook_id, delivery_id)
    return selectors.delivery_detail(webhook_id=webhook_id, delivery_id=delivery_id)


@router.post(
    "/webhooks/{int:webhook_id}/deliveries/{int:delivery_id}/redeliver",
    response={202: DeliveryOut},
    summary="Send a failed delivery again",
)
def redeliver(request, webhook_id: int, delivery_id: int):
    policy.require(request.user, policy.WEBHOOKS_MANAGE)
    delivery = services.delivery_redeliver(delivery=_delivery(webhook_id, delivery_id), actor=request.user)
    return Status(202, delivery)
