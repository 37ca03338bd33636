"""Emitting events to webhooks (the contract other apps call) and sending one delivery over HTTP."""

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from heartdesk.core.jobs import enqueue_on_commit
from heartdesk.webhooks import rules, signing
from heartdesk.webhooks.choices import EventType
from heartdesk.webhooks.models import RESPONSE_EXCERPT, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
USER_AGENT = "Heartdesk-Webhooks/1"
_READ_LIMIT = 4 * RESPONSE_EXCERPT  # bytes of a response read at most; a receiver's answer is only a log excerpt


def wanted(event_type: str) -> bool:
    """Whether any active webhook subscribes to `event_type` (one query); batch work asks once, not per event."""
    return any(
        rules.subscribes(events, event_type)
        for events in Webhook.objects.filter(active=True).values_list("events", flat=True)
    )


def emit(event_type: str, payload: dict, *, ref: str = "") -> None:
    """Queue `event_type` with `payload` for every active webhook subscribed to it.

    Call inside the transaction that makes the change: the delivery rows commit or roll back with it and the
    delivery jobs are enqueued only on commit. Costs one query when no webhook wants the event. `payload` is the
    envelope's "data"; it must be JSON with Django's encoder (datetimes, dates, UUIDs, Decimals become strings).
    `ref` names what the event is about (e.g. "HD-1042") for the delivery log; it is not sent.
    Raises ValueError for an event type missing from `EventType` and TypeError for a payload that is not a dict.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}; add it to heartdesk.webhooks.choices.EventType")
    if not isinstance(payload, dict):
        raise TypeError(f"a webhook payload is a dict, not {type(payload).__name__}")
    targets = [
        pk
        for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events")
        if rules.subscribes(events, event_type)
    ]
    if not targets:
        return
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    event_id, now = uuid.uuid4(), timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook_id=pk,
            event_type=event_type,
            event_id=event_id,
            ref=str(ref)[:200],
            payload=data,
            next_attempt_at=now,
            created_at=now,
        )
        for pk in targets
    )
    from heartdesk.webhooks.tasks import deliver_webhook

    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk)


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: a status code, or an error when no answer came."""

    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def request_body(delivery: WebhookDelivery) -> str:
    return signing.envelope(
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        created_at=delivery.created_at.isoformat(),
        data=delivery.payload,
    )


def send(delivery: WebhookDelivery) -> Outcome:
    """POST the signed delivery once. Never raises: a failure is an Outcome with its error. Slow I/O: call it
    outside any transaction (the task does, after claiming the row)."""
    webhook = delivery.webhook
    body = request_body(delivery)
    headers = signing.headers(
        webhook.secret, event_type=delivery.event_type, event_id=str(delivery.event_id), body=body
    )
    headers["User-Agent"] = USER_AGENT
    started_at, clock = timezone.now(), time.monotonic()
    status_code, excerpt, error = None, "", ""
    try:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
            client.stream("POST", webhook.url, content=body.encode("ascii"), headers=headers) as response,
        ):
            status_code = response.status_code
            excerpt = _excerpt(response)
    except httpx.TimeoutException:
        error = f"No answer within {TIMEOUT_SECONDS} s."
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # a malformed URL or a bug here must still end as a recorded attempt
        log.exception("webhook delivery %s: unexpected error", delivery.pk)
        error = f"{type(exc).__name__}: {exc}"
    if status_code is not None and not 200 <= status_code < 300:
        error = f"The receiver answered HTTP {status_code}."
    return Outcome(
        started_at=started_at,
        duration_ms=int((time.monotonic() - clock) * 1000),
        status_code=status_code,
        response_body=excerpt,
        error=error[:2000],
    )


def _excerpt(response: httpx.Response) -> str:
    data = bytearray()
    for chunk in response.iter_bytes():
        data.extend(chunk)
        if len(data) >= _READ_LIMIT:
            break
    # NUL cannot be stored in a PostgreSQL text column.
    return data.decode("utf-8", errors="replace").replace("\x00", "")[:RESPONSE_EXCERPT]
