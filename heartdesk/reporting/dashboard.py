"""What the executive dashboard reads beyond the KPI engine: customers at risk, and the figures made presentable.

The numbers themselves always come from `selectors.metrics/trend/breakdown` (the same objects `/api/v1/metrics`
serialises), so the page, its charts and the API never disagree; this module only words and formats them.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Q, Value
from django.utils import timezone

from heartdesk.customers.models import Organization
from heartdesk.reporting import scratch, selectors
from heartdesk.reporting.catalogue import BY_KEY, CSAT_BANDS, Better
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.types import Figure, Status
from heartdesk.surveys import scales
from heartdesk.surveys.choices import FollowUpState
from heartdesk.surveys.models import FollowUp, Response
from heartdesk.tickets.models import Ticket

AT_RISK_LIMIT = 10

POOR_ANSWER = scales.POOR_ANSWER


# --- Customers at risk ----------------------------------------------------------------------------------------


@dataclass
class AtRisk:
    organization_id: int
    name: str
    poor_answers: int  # responses in the period rating CSAT ≤ 2 or NPS ≤ 6
    open_follow_ups: int  # follow-ups opened in the period and still open now
    overdue_follow_ups: int  # of those, past their due time now
    breached_tickets: int  # tickets received in the period that breached an SLA target

    @property
    def signals(self) -> int:
        return self.poor_answers + self.open_follow_ups + self.breached_tickets


def customers_at_risk(filters: MetricsFilters, *, now: dt.datetime | None = None, limit: int = AT_RISK_LIMIT):
    """The organizations with the most poor signals in the filter's period, worst first.

    Two queries whatever the data: one UNION ALL of three GROUP BYs (poor answers, follow-ups, breached tickets;
    each only over organizations that have such a signal, through the indexed (organization, time) columns), then
    the names of the `limit` worst. Deleted organizations are left out.
    """
    now = now or timezone.now()
    start, end = filters.bounds()
    where = selectors.where(filters)  # the engine's own dimension rules (segment, tier…), not a copy
    zero = Value(0, output_field=IntegerField())
    live = Q(organization__deleted_at__isnull=True)

    answers = (
        Response.objects.filter(
            live,
            POOR_ANSWER,
            *scratch.matching(scratch.response_dimensions(), where),
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .values("organization_id")
        .annotate(a=Count("id"), f=zero, o=zero, b=zero)
        .values_list("organization_id", "a", "f", "o", "b")
        .order_by()
    )
    follow_ups = (
        FollowUp.objects.filter(
            Q(response__organization__deleted_at__isnull=True),
            *scratch.matching(scratch.response_dimensions("response__"), where),
            state=FollowUpState.OPEN,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("response__organization_id")
        .annotate(a=zero, f=Count("id"), o=Count("id", filter=Q(due_at__lt=now)), b=zero)
        .values_list("response__organization_id", "a", "f", "o", "b")
        .order_by()
    )
    breached = (
        Ticket.objects.filter(
            live,
            *scratch.matching(scratch.ticket_dimensions(), where),
            breached=True,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("organization_id")
        .annotate(a=zero, f=zero, o=zero, b=Count("id"))
        .values_list("organization_id", "a", "f", "o", "b")
        .order_by()
    )
    totals: dict[int, list[int]] = {}
    for org_id, a, f, o, b in answers.union(follow_ups, breached, all=True):
        if org_id is None:
            continue
        row = totals.setdefault(org_id, [0, 0, 0, 0])
        for i, count in enumerate((a, f, o, b)):
            row[i] += count
    worst = sorted(totals.items(), key=lambda item: (-(item[1][0] + item[1][1] + item[1][3]), -item[1][2], item[0]))
    worst = worst[:limit]
    if not worst:
        return []
    names = dict(Organization.objects.filter(pk__in=[org_id for org_id, _ in worst]).values_list("pk", "name"))
    return [AtRisk(org_id, names.get(org_id, f"#{org_id}"), *counts) for org_id, counts in worst]


# --- Wording and formatting -----------------------------------------------------------------------------------


def number(value: float | None, unit: str) -> str:
    """A figure's value as the page shows it: "87.0 %", "4.25 / 5", "3.5 h", "42", "—" for no data."""
    if value is None:
        return "no data"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "/5":
        return f"{value:.2f} / 5"
    if unit == "h":
        return f"{value:.1f} h"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}"


def _bare(value: float, unit: str) -> str:
    """A change in the figure's own terms: "20.0" (points), "0.25" (on the 1–5 scale), "1.5 h", "12"."""
    if unit == "%":
        return f"{value:.1f}"
    if unit == "/5":
        return f"{value:.2f}"
    return number(value, unit)


STATUS_WORDS = {
    Status.GREEN: "On target",
    Status.AMBER: "Near target",
    Status.RED: "Off target",
    Status.NONE: "",
}


@dataclass
class Tile:
    key: str
    label: str
    unit: str
    figure: Figure
    value_text: str
    target_text: str
    status: str
    status_text: str
    change_text: str  # "+3.2 vs previous period" ("" when there is nothing to compare)
    arrow: str  # "▲" / "▼" only when the change is significant
    direction: str  # "better" / "worse" / "" for the colour of the change
    raw: str  # the exact value for data-value ("" for no data), so tests and scripts read no rounding


def tile(figure: Figure) -> Tile:
    kpi = BY_KEY[figure.key]
    unit = kpi.unit
    target_text = ""
    if figure.target is not None:
        sign = "≥" if kpi.better == Better.HIGHER else "≤"
        target_text = f"Target {sign} {number(figure.target, unit)}"
    change_text = arrow = direction = ""
    change = figure.change
    if change is not None:
        points = " points" if unit == "%" else ""
        change_text = f"{'+' if change > 0 else ''}{_bare(change, unit)}{points} vs previous period"
        if change == 0:
            change_text = "No change vs previous period"
        elif figure.significant:
            arrow = "▲" if change > 0 else "▼"
        if change:
            improved = (change > 0) == (kpi.better == Better.HIGHER)
            direction = "better" if improved else "worse"
    status = figure.status if figure.value is not None else Status.NONE
    return Tile(
        key=figure.key,
        label=kpi.label,
        unit=unit,
        figure=figure,
        value_text=number(figure.value, unit),
        target_text=target_text,
        status=Status(status).value,
        status_text=STATUS_WORDS[Status(status)],
        change_text=change_text,
        arrow=arrow,
        direction=direction,
        raw="" if figure.value is None else repr(float(figure.value)),
    )


def csat_text(figure: Figure) -> str:
    """ "87.0 % (n = 412, 83.4–90.0)", the gauge's words; "no data (n = 0)" without answers."""
    if figure.value is None:
        return f"no data (n = {figure.n})"
    interval = ""
    if figure.low is not None and figure.high is not None:
        interval = f", {figure.low:.1f}–{figure.high:.1f}"
    return f"{figure.value:.1f} % (n = {figure.n}{interval})"


def csat_band(value: float | None) -> str:
    """The guide's band ("Poor", "Good", "Excellent") a CSAT value falls in; the top bound belongs to the band."""
    if value is None:
        return ""
    for label, low, high in CSAT_BANDS:
        if low <= value < high or (high == 100.0 and value == 100.0):
            return label
    return ""
