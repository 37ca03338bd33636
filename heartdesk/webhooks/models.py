from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from heartdesk.core.models import TimeStampedModel
from heartdesk.webhooks.choices import DeliveryState

RESPONSE_EXCERPT = 1000  # characters of a receiver's answer kept for the delivery log


class Webhook(TimeStampedModel):
    """A receiver of signed event notifications: one URL, its signing secret, the event types it wants."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=100, help_text="HMAC-SHA256 key for the Heartdesk-Signature header.")
    events = models.JSONField(default=list, help_text='Event types subscribed to, or ["*"] for all.')
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one webhook. `next_attempt_at` is when a worker may next claim it (the lease end while it is
    delivering); the sweep finds due rows through the (state, next_attempt_at) index."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    event_type = models.CharField(max_length=50)
    event_id = models.UUIDField()
    ref = models.CharField(max_length=200, blank=True, help_text="What the event is about, e.g. a ticket number.")
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_body = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # Set by emit, one value for every webhook's copy of an event; the envelope's created_at.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_once"),
            models.CheckConstraint(condition=Q(state__in=DeliveryState.values), name="webhook_delivery_state_valid"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["webhook", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.webhook_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, kept so the log shows every try, not just the last."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
