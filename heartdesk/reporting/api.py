"""GET /api/v1/metrics: exactly the numbers the dashboard shows, with the same filters; KPI targets."""

import datetime as dt

from ninja import Query, Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy
from heartdesk.reporting import selectors, targets
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.types import Dimension, Figure, Period

router = Router(tags=["metrics"])


# --- Schemas ------------------------------------------------------------------------------------------------


class PeriodOut(Schema):
    date_from: dt.date
    date_to: dt.date
    days: int


class FigureOut(Schema):
    key: str
    value: float | None = Field(description="None means no data (never 0).")
    n: int = Field(description="The responses, tickets, clocks or customers it rests on.")
    low: float | None = Field(description="95 % confidence interval (None for counts and without data).")
    high: float | None
    target: float | None
    status: str = Field(description="green, amber, red, or none (no target or no data).")
    previous: float | None = Field(description="The same figure over the previous period of the same length.")
    previous_n: int
    change: float | None
    significant: bool = Field(description="The change is statistically meaningful (two-sided p < 0.05).")


class TrendPointOut(Schema):
    start: dt.date
    label: str
    figures: list[FigureOut]


class MetricsOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut
    figures: list[FigureOut]
    trend: list[TrendPointOut]
    computed_from: str = Field(description='"roll-ups", or "tickets and responses" when filters combine dimensions.')


class BreakdownRowOut(Schema):
    key: str = Field(description='The dimension\'s value ("" = none: no team, no agent…).')
    label: str
    figures: list[FigureOut]


class BreakdownOut(Schema):
    by: Dimension
    period: PeriodOut
    rows: list[BreakdownRowOut]


class BreakdownParams(Schema):
    by: Dimension = Field(description="agent, team, channel, priority, segment, tier or organization.")
    limit: int = Field(50, ge=1, le=500, description="The busiest rows first.")


class TargetOut(Schema):
    key: str
    label: str
    unit: str
    better: str
    default: float | None = Field(description="The guides' target.")
    value: float | None = Field(description="The target in force: this installation's, else the default.")
    custom: bool
    updated_at: dt.datetime | None
    updated_by_id: int | None


class TargetIn(Schema):
    value: float


# --- Adapters -----------------------------------------------------------------------------------------------


def _period(p: Period) -> dict:
    return {"date_from": p.date_from, "date_to": p.date_to, "days": p.days}


def _figures(figures: dict[str, Figure]) -> list[dict]:
    return [f.as_dict() for f in figures.values()]


# --- Endpoints ----------------------------------------------------------------------------------------------


@router.get("/metrics", response=MetricsOut)
def get_metrics(request, filters: Query[MetricsFilters]):
    """Every KPI over the period with its n, 95 % interval, target, status and the previous period's value, and
    the trend (by `grain`) of the KPIs the dashboard charts. Dates are days in the help desk's time zone."""
    policy.require(request.user, policy.METRICS_VIEW)
    metrics, points = selectors.overview(filters)
    return {
        "period": _period(metrics.period),
        "previous_period": _period(metrics.previous_period),
        "figures": _figures(metrics.figures),
        "trend": [{"start": p.start, "label": p.label, "figures": _figures(p.figures)} for p in points],
        "computed_from": metrics.computed_from,
    }


@router.get("/metrics/breakdown", response=BreakdownOut)
def get_breakdown(request, filters: Query[MetricsFilters], params: Query[BreakdownParams]):
    """The KPIs per agent, team, channel, priority, segment, tier or organization over the period, busiest first."""
    policy.require(request.user, policy.METRICS_VIEW)
    rows = selectors.breakdown(filters, by=params.by, limit=params.limit)
    return {
        "by": params.by,
        "period": _period(filters.period),
        "rows": [{"key": r.key, "label": r.label, "figures": _figures(r.figures)} for r in rows],
    }


@router.get("/metrics/targets", response=list[TargetOut])
def list_targets(request):
    """Every KPI's target: this installation's where set, else the guides' default (None: no target)."""
    policy.require(request.user, policy.METRICS_VIEW)
    return targets.target_rows()


@router.put("/metrics/targets/{key}", response=TargetOut)
def put_target(request, key: str, payload: TargetIn):
    """Set this installation's target for one KPI (a % between 0 and 100, NPS between -100 and 100…)."""
    targets.kpi_target_set(key=key, value=payload.value, actor=request.user)
    return next(t for t in targets.target_rows() if t["key"] == key)


@router.delete("/metrics/targets/{key}", response={204: None})
def delete_target(request, key: str):
    """Back to the guides' default target for one KPI."""
    targets.kpi_target_reset(key=key, actor=request.user)
    return Status(204, None)
