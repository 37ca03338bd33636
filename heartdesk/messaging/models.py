"""Outgoing mail and staff notifications, for every app.

Both point at the record they are about through a generic reference (`about`), so messaging needs no app above
it: a ticket, a survey invitation, a complaint or a review is named by its content type and id. The app that owns
the record adds a `GenericRelation` when it wants its mail deleted with it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from heartdesk.messaging.choices import NotificationKind, OutboundState


class OutboundEmail(models.Model):
    """One email we owe someone; `key` makes each unique, so a job run twice never sends twice.

    Foreign keys that lead a composite index take no index of their own (every insert would pay for both)."""

    key = models.CharField(max_length=200, unique=True)
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=400)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)  # e.g. List-Unsubscribe on survey mail
    state = models.CharField(max_length=8, choices=OutboundState.choices, default=OutboundState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=OutboundState.values), name="outbound_email_state_valid")
        ]
        indexes = [
            models.Index(fields=["about_type", "about_id"], name="outbound_email_about"),
            models.Index(fields=["state", "created_at"], name="outbound_email_state"),
        ]

    def __str__(self) -> str:
        return self.subject


class Notification(models.Model):
    """In the app at once; by email when `email_after` comes (held back outside the business hours it is bound to).

    `url` is the page the notification opens, `about` the record it concerns (for cascades and lists)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_after = models.DateTimeField(null=True, blank=True)  # null: no email
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid")
        ]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_unread"),
            models.Index(fields=["emailed_at", "email_after"], name="notification_mail_due"),
            models.Index(fields=["about_type", "about_id"], name="notification_about"),
        ]

    def __str__(self) -> str:
        return self.text
