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
    """One manager report (the whole desk's or a team's) owed to one person for one period: unique, so the scheduled
    job never mails it twice."""

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
            models.UniqueConstraint(
                fields=["kind", "period_start", "recipient"],
                condition=Q(team__isnull=True),
                name="report_delivery_desk_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "period_start", "recipient", "team"],
                condition=Q(team__isnull=False),
                name="report_delivery_team_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} report {self.period_start} for {self.recipient_id}"


# --- Roll-ups ---------------------------------------------------------------------------------------------------


class DailyFigures(models.Model):
    """The additive counts of one local day (settings.TIME_ZONE) for everything, or for one value of one dimension.

    `dimension` is "all" (key ""), a `types.Dimension` value with `key` the value as text ("" = none: no team,
    no agent…), or a pair of `scratch.PAIRS` keyed "team:agent". A day's rows are only ever rebuilt whole from the
    facts (`rollups.recompute_days`), so they are exactly what counting the tickets, clocks and responses of that
    day gives; `DirtyDay` says which need it.
    The columns are `tally.COUNTERS`; the histograms map whole minutes to tickets.
    """

    day = models.DateField()
    dimension = models.CharField(max_length=12)
    key = models.CharField(max_length=40, blank=True)
    created = models.BigIntegerField(default=0)
    complaints = models.BigIntegerField(default=0)
    solved = models.BigIntegerField(default=0)
    res_seconds = models.BigIntegerField(default=0)
    res_minutes = models.BigIntegerField(default=0)
    res_minute_squares = models.BigIntegerField(default=0)
    res_48h = models.BigIntegerField(default=0)
    reopened = models.BigIntegerField(default=0)
    escalated = models.BigIntegerField(default=0)
    fcr_n = models.BigIntegerField(default=0)
    fcr_yes = models.BigIntegerField(default=0)
    frt_n = models.BigIntegerField(default=0)
    frt_seconds = models.BigIntegerField(default=0)
    frt_minutes = models.BigIntegerField(default=0)
    frt_minute_squares = models.BigIntegerField(default=0)
    fr_n = models.BigIntegerField(default=0)
    fr_met = models.BigIntegerField(default=0)
    nu_n = models.BigIntegerField(default=0)
    nu_met = models.BigIntegerField(default=0)
    rs_n = models.BigIntegerField(default=0)
    rs_met = models.BigIntegerField(default=0)
    pr_n = models.BigIntegerField(default=0)
    pr_met = models.BigIntegerField(default=0)
    responses = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    satisfied = models.BigIntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    rating_squares = models.BigIntegerField(default=0)
    nps_n = models.BigIntegerField(default=0)
    promoters = models.BigIntegerField(default=0)
    detractors = models.BigIntegerField(default=0)
    sent = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    fu_n = models.BigIntegerField(default=0)
    fu_closed = models.BigIntegerField(default=0)
    res_hist = models.JSONField(default=dict, blank=True)
    frt_hist = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dimension", "key", "day"], name="daily_figures_unique")]
        indexes = [models.Index(fields=["dimension", "day"], name="daily_figures_dimension_day")]
        verbose_name_plural = "daily figures"

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.key}"


class DirtyDay(models.Model):
    """A local day whose facts changed since its roll-ups were computed; readers and the periodic job rebuild it."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} (dirty)"
