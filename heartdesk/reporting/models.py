"""Targets for the KPIs and the log of manager reports sent; the roll-ups the engine reads are below them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from heartdesk.reporting.catalogue import KPIS
from heartdesk.reporting.choices import ReportKind

USER = settings.AUTH_USER_MODEL


class KpiTarget(models.Model):
    """An installation's own target for one KPI; without a row the guides' default (catalogue) applies."""

    key = models.CharField(max_length=40, unique=True, choices=[(k.key, k.label) for k in KPIS])
    value = models.FloatField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} target {self.value}"


class ReportDelivery(models.Model):
    """One manager report owed to one person for one period: unique, so the scheduled job never mails it twice."""

    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    email_key = models.CharField(max_length=200, blank=True)  # the OutboundEmail that carries it

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="report_delivery_kind_valid"),
            models.UniqueConstraint(fields=["kind", "period_start", "recipient"], name="report_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} report {self.period_start} for {self.recipient_id}"
