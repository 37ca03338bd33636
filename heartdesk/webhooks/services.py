"""Writes to webhooks and their deliveries. Manager actions check the policy; the worker's steps (claim, record,
release) are called only by tasks.py and take no actor."""

import secrets
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.core.jobs import backoff_seconds, enqueue_on_commit
from heartdesk.webhooks import rules
from heartdesk.webhooks.choices import TEST_EVENT, DeliveryState
from heartdesk.webhooks.dispatch import Outcome
from heartdesk.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

MAX_ATTEMPTS = 8
# How long a claimed delivery may stay "delivering" before the sweep assumes its worker died. Far above one
# request's worst case (10 s connect + 10 s write + 10 s read), so a live worker is never overtaken.
LEASE = timedelta(minutes=5)
EDITABLE = ("name", "url", "events", "active")
_CLEANERS = {
    "name": rules.clean_name,
    "url": rules.clean_url,
    "events": rules.clean_events,
    "active": rules.clean_active,
}


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)  # 32 random bytes


def _clean(data: dict) -> dict:
    """Every field checked, every fault reported at once (the form shows each beside its field)."""
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise Invalid(f"Unknown field(s): {', '.join(unknown)}.", field=unknown[0])
    cleaned, errors = {}, {}
    for field, value in data.items():
        try:
            cleaned[field] = _CLEANERS[field](value)
        except rules.RuleError as exc:
            errors[exc.field] = [exc.message]
    if errors:
        summary = "; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items())
        raise Invalid(summary, field=next(iter(errors)), errors=errors)
    return cleaned


def _enqueue(delivery: WebhookDelivery) -> None:
    from heartdesk.webhooks.tasks import deliver_webhook

    enqueue_on_commit(deliver_webhook, delivery.pk)


# --- Webhooks (manager actions) -----------------------------------------------------------------------------


@transaction.atomic
def webhook_create(*, name: str, url: str, events: list[str], active: bool = True, actor: User | None) -> Webhook:
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    data = _clean({"name": name, "url": url, "events": events, "active": active})
    return Webhook.objects.create(**data, secret=_new_secret(), created_by=actor)


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor: User | None, **data) -> Webhook:
    """Change any of name, url, events, active. Turning a webhook off fails its not-yet-sent deliveries when
    their turn comes (the task checks), so turning it back on does not replay a backlog."""
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    cleaned = _clean(data)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    changed = [field for field, value in cleaned.items() if getattr(webhook, field) != value]
    for field in changed:
        setattr(webhook, field, cleaned[field])
    if changed:
        webhook.save(update_fields=[*changed, "updated_at"])
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook, actor: User | None) -> Webhook:
    """A new secret, effective for the next request sent (retries included): the receiver must switch at once."""
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = _new_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: User | None) -> None:
    """Removes the webhook with its delivery log; queued jobs for it then find nothing to send."""
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    Webhook.objects.filter(pk=webhook.pk).delete()


@transaction.atomic
def webhook_send_test(*, webhook: Webhook, actor: User | None) -> WebhookDelivery:
    """Queue a "webhook.test" event to this webhook alone, whatever it subscribes to."""
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    webhook = Webhook.objects.get(pk=webhook.pk)
    if not webhook.active:
        raise Conflict("This webhook is turned off; turn it on before sending a test event.", field="active")
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_type=TEST_EVENT,
        event_id=uuid.uuid4(),
        ref="test",
        payload={
            "message": "A test event from Heartdesk. Check its signature with your secret and answer 2xx.",
            "webhook": {"id": webhook.pk, "name": webhook.name},
            "sent_by": actor.display_name if actor else None,
        },
        next_attempt_at=now,
        created_at=now,
    )
    _enqueue(delivery)
    return delivery


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery, actor: User | None) -> WebhookDelivery:
    """Send a failed delivery again, with a fresh run of attempts. The event id stays, so receivers that already
    processed it can tell."""
    if actor is not None:
        policy.require(actor, policy.WEBHOOKS_MANAGE)
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.state != DeliveryState.FAILED:
        raise Conflict(f"Only a failed delivery can be sent again; this one is {delivery.get_state_display().lower()}.")
    if not Webhook.objects.filter(pk=delivery.webhook_id, active=True).exists():
        raise Conflict("This webhook is turned off; turn it on before sending again.", field="active")
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    _enqueue(delivery)
    return delivery


# --- The worker's steps -------------------------------------------------------------------------------------


def delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a due pending delivery for this worker (one conditional UPDATE, so two workers never both send it);
    None when it is not pending, not due yet, or gone. The claim counts as an attempt and holds a lease."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(state=DeliveryState.DELIVERING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()


@transaction.atomic
def delivery_record(*, delivery: WebhookDelivery, outcome: Outcome) -> WebhookDelivery | None:
    """After an attempt: log it, then delivered, pending again after a back-off, or failed for good once
    MAX_ATTEMPTS are used. Returns None when the delivery was deleted meanwhile."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if delivery is None:
        return None
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=outcome.started_at,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    delivery.last_status_code = outcome.status_code
    delivery.last_response_body = outcome.response_body
    delivery.last_error = outcome.error
    delivery.duration_ms = outcome.duration_ms
    if delivery.state == DeliveryState.DELIVERING:  # else the sweep took it back meanwhile: it decides
        now = timezone.now()
        if outcome.ok:
            delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
    delivery.save()
    return delivery


@transaction.atomic
def delivery_give_up(*, delivery: WebhookDelivery, reason: str) -> None:
    """Fail a claimed delivery without sending it (its webhook was turned off)."""
    WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.DELIVERING).update(
        state=DeliveryState.FAILED, last_error=reason, last_status_code=None
    )


def deliveries_release_stuck(*, limit: int = 1000) -> list[int]:
    """Deliveries whose worker died mid-send (lease over): pending and due again, or failed when out of attempts.
    Returns the ids made pending, for the sweep to enqueue. The receiver may then get the event twice; the
    Heartdesk-Delivery id lets it tell."""
    now = timezone.now()
    stuck = WebhookDelivery.objects.filter(state=DeliveryState.DELIVERING, next_attempt_at__lte=now)
    rows = list(stuck.values_list("pk", "attempts")[:limit])
    if not rows:
        return []
    error = "The worker stopped before the receiver answered."
    stuck = stuck.filter(pk__in=[pk for pk, _ in rows])  # re-checked by each UPDATE: a live worker is never overtaken
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(state=DeliveryState.FAILED, last_error=error)
    stuck.update(state=DeliveryState.PENDING, next_attempt_at=now, last_error=error)
    return [pk for pk, attempts in rows if attempts < MAX_ATTEMPTS]
