"""Reads of survey results and follow-ups. Every figure is counted in the database (conditional aggregates, one
query per table, never one per row); `kpis` turns the counts into figures with their sample sizes."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from heartdesk.core.pagination import Page, keyset_page
from heartdesk.surveys import scales
from heartdesk.surveys.choices import FollowUpState
from heartdesk.surveys.filters import GroupBy, ResultFilters
from heartdesk.surveys.kpis import Kpis, kpis_from_counts, percent
from heartdesk.surveys.models import FollowUp, Invitation, Response, Theme


def kpi_counts() -> dict:
    """The aggregate expressions `kpis.kpis_from_counts` reads (a fresh set per query)."""
    return {
        "responses": Count("id"),
        "rated": Count("csat"),
        "satisfied": Count("id", filter=scales.SATISFIED),
        "rating_avg": Avg("csat"),
        "nps_n": Count("nps"),
        "promoters": Count("id", filter=scales.PROMOTERS),
        "detractors": Count("id", filter=scales.DETRACTORS),
        "resolved_n": Count("resolved"),
        "resolved_yes": Count("id", filter=Q(resolved=True)),
        "time_ok_n": Count("response_time_ok"),
        "time_ok_yes": Count("id", filter=Q(response_time_ok=True)),
    }


# An answer counts as a negative rating when any of these hold; its themes are the "root causes".
NEGATIVE = scales.POOR_ANSWER | Q(sentiment="negative")

_GROUPS: dict[GroupBy, tuple[str, tuple[str, ...]]] = {
    GroupBy.AGENT: ("agent", ("agent__first_name", "agent__last_name", "agent__username")),
    GroupBy.TEAM: ("team", ("team__name",)),
    GroupBy.CHANNEL: ("channel", ()),
    GroupBy.SEGMENT: ("segment", ("segment__name",)),
    GroupBy.TIER: ("tier", ("tier__name",)),
    GroupBy.ORGANIZATION: ("organization", ("organization__name",)),
}


@dataclass
class BreakdownRow:
    key: object
    label: str
    kpis: Kpis


@dataclass
class ThemeRow:
    key: str
    label: str
    count: int
    previous: int
    negative: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class Results:
    filters: ResultFilters
    kpis: Kpis
    breakdown: list[BreakdownRow]
    themes: list[ThemeRow]
    root_causes: list[ThemeRow] = field(default_factory=list)
    negative_responses: int = 0


def _label(group: GroupBy, row: dict) -> str:
    if group == GroupBy.AGENT:
        name = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
        return name or row["agent__username"] or "No agent"
    if group == GroupBy.CHANNEL:
        return row["channel"] or "No channel"
    if group in (GroupBy.WEEK, GroupBy.MONTH):
        start = row["period"]
        if start is None:
            return "—"
        return f"Week of {start:%Y-%m-%d}" if group == GroupBy.WEEK else f"{start:%B %Y}"
    name_field = _GROUPS[group][1][0]
    return row[name_field] or f"No {group.value}"


def breakdown(filters: ResultFilters) -> list[BreakdownRow]:
    """One row per value of `filters.group_by`, all in one GROUP BY query."""
    group = filters.group_by
    qs = filters.responses(Response.objects.all(), text=False)
    if group in (GroupBy.WEEK, GroupBy.MONTH):
        trunc = TruncWeek if group == GroupBy.WEEK else TruncMonth
        rows = (
            qs.annotate(period=trunc("submitted_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
            .values("period")
            .annotate(**kpi_counts())
            .order_by("period")
        )
        key_field = "period"
    else:
        key_field, label_fields = _GROUPS[group]
        rows = qs.values(key_field, *label_fields).annotate(**kpi_counts()).order_by("-responses", key_field)
    return [BreakdownRow(key=row[key_field], label=_label(group, row), kpis=kpis_from_counts(row)) for row in rows]


def _theme_key_filter(key: str) -> Q:
    return Q(themes__icontains=f'"{key}"')


def theme_counts(filters: ResultFilters) -> tuple[list[ThemeRow], int]:
    """Each theme's count in the period, in the previous period of the same length, and among negative answers;
    one conditional aggregate over responses (plus the taxonomy). Returns the rows and the negative answer count."""
    themes = list(Theme.objects.order_by("label").values_list("key", "label"))
    start, end = filters.bounds()
    prev_start, _ = filters.previous_bounds()
    current = Q(submitted_at__gte=start, submitted_at__lt=end)
    previous = Q(submitted_at__gte=prev_start, submitted_at__lt=start)
    aggregates = {"negative_n": Count("id", filter=current & NEGATIVE)}
    for i, (key, _label) in enumerate(themes):
        has = _theme_key_filter(key)
        aggregates[f"c{i}"] = Count("id", filter=current & has)
        aggregates[f"p{i}"] = Count("id", filter=previous & has)
        aggregates[f"n{i}"] = Count("id", filter=current & has & NEGATIVE)
    qs = filters.responses(Response.objects.all(), period=False, text=False).filter(
        submitted_at__gte=prev_start, submitted_at__lt=end
    )
    counts = qs.aggregate(**aggregates)
    rows = [
        ThemeRow(key=key, label=label, count=counts[f"c{i}"], previous=counts[f"p{i}"], negative=counts[f"n{i}"])
        for i, (key, label) in enumerate(themes)
    ]
    return rows, counts["negative_n"] or 0


def response_rate(filters: ResultFilters):
    counts = filters.invitations(Invitation.objects.all()).aggregate(
        sent=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))
    )
    return percent(counts["answered"], counts["sent"])


def results(filters: ResultFilters) -> Results:
    """The results page and GET /surveys/results: five queries whatever the data."""
    totals = filters.responses(Response.objects.all(), text=False).aggregate(**kpi_counts())
    themes, negative_n = theme_counts(filters)
    root_causes = sorted((t for t in themes if t.negative), key=lambda t: (-t.negative, t.label))
    return Results(
        filters=filters,
        kpis=kpis_from_counts(totals, response_rate=response_rate(filters)),
        breakdown=breakdown(filters),
        themes=sorted(themes, key=lambda t: (-t.count, -t.previous, t.label)),
        root_causes=root_causes,
        negative_responses=negative_n,
    )


# --- Responses and comments -----------------------------------------------------------------------------------


def responses_queryset(filters: ResultFilters) -> QuerySet[Response]:
    return filters.responses(
        Response.objects.select_related(
            "survey", "version", "ticket", "contact", "agent", "team", "organization", "segment", "tier"
        )
    )


def response_page(*, filters: ResultFilters, cursor: str | None, size: int, comments_only: bool = False) -> Page:
    """Newest first, keyset paged on (submitted_at, id)."""
    qs = responses_queryset(filters)
    if comments_only:
        qs = qs.exclude(comment="")
    return keyset_page(qs, order=("submitted_at", "id"), cursor=cursor, size=size, descending=True)


def theme_labels() -> dict[str, str]:
    return dict(Theme.objects.values_list("key", "label"))


def response_detail(response_id: int) -> Response:
    """Raises Response.DoesNotExist; answers come prefetched with their questions, in order."""
    return (
        Response.objects.select_related("survey", "version", "ticket", "contact", "agent", "team", "organization")
        .prefetch_related("answers__question")
        .get(pk=response_id)
    )


# --- Follow-ups -----------------------------------------------------------------------------------------------

RECOVERY_LABELS = {"improved": "Improved", "not_improved": "Not improved", "no_answer": "No later answer"}


def with_recovery(qs: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Annotate `has_later` (the contact answered again after the poor answer) and `improved` (some later answer
    rated higher on CSAT or NPS than the poor one). Two correlated EXISTS, no query per row."""
    later = Response.objects.filter(
        contact_id=OuterRef("contact_id"), submitted_at__gt=OuterRef("response__submitted_at")
    )
    better = later.filter(Q(csat__gt=OuterRef("response__csat")) | Q(nps__gt=OuterRef("response__nps")))
    return qs.annotate(has_later=Exists(later), improved=Exists(better))


def recovery_of(follow_up) -> str:
    """ "improved", "not_improved" or "no_answer" for an annotated, closed follow-up ("" while it is open)."""
    if follow_up.state != FollowUpState.CLOSED:
        return ""
    if follow_up.improved:
        return "improved"
    return "not_improved" if follow_up.has_later else "no_answer"


@dataclass
class Recovery:
    closed: int
    answered_again: int
    improved: int

    @property
    def rate(self):
        """Improved ÷ closed follow-ups whose customer answered again (no data when none did)."""
        return percent(self.improved, self.answered_again)


def recovery(qs: QuerySet[FollowUp] | None = None) -> Recovery:
    qs = FollowUp.objects.all() if qs is None else qs
    # The aggregates' names must differ from the annotations' (an alias would shadow the annotation it filters on).
    counts = with_recovery(qs.filter(state=FollowUpState.CLOSED)).aggregate(
        n_closed=Count("id"),
        n_answered_again=Count("id", filter=Q(has_later=True)),
        n_improved=Count("id", filter=Q(improved=True)),
    )
    return Recovery(closed=counts["n_closed"], answered_again=counts["n_answered_again"], improved=counts["n_improved"])


def follow_ups_queryset() -> QuerySet[FollowUp]:
    return with_recovery(FollowUp.objects.select_related("response", "ticket", "contact", "owner"))


def follow_up_page(*, filters, user, now: dt.datetime, cursor: str | None, size: int) -> Page:
    """Soonest due first, keyset paged on (due_at, id); each row knows its recovery."""
    qs = filters.apply(follow_ups_queryset(), user=user, now=now)
    page = keyset_page(qs, order=("due_at", "id"), cursor=cursor, size=size)
    for item in page.items:
        item.recovery = recovery_of(item)
        item.overdue = item.state == FollowUpState.OPEN and item.due_at < now
    return page


def follow_up_counts(*, user, now: dt.datetime) -> dict:
    return FollowUp.objects.aggregate(
        open=Count("id", filter=Q(state=FollowUpState.OPEN)),
        overdue=Count("id", filter=Q(state=FollowUpState.OPEN, due_at__lt=now)),
        mine=Count("id", filter=Q(state=FollowUpState.OPEN, owner_id=user.pk)),
    )


def follow_up_detail(follow_up_id: int, *, now: dt.datetime) -> FollowUp:
    """Raises FollowUp.DoesNotExist."""
    follow_up = (
        with_recovery(FollowUp.objects.select_related("response", "ticket", "contact", "owner", "closed_by"))
        .prefetch_related("response__answers__question")
        .get(pk=follow_up_id)
    )
    follow_up.recovery = recovery_of(follow_up)
    follow_up.overdue = follow_up.state == FollowUpState.OPEN and follow_up.due_at < now
    return follow_up
