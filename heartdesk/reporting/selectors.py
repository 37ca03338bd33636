"""The KPI engine's reads: `metrics`, `trend`, `breakdown` (and `overview` = metrics + trend from one read).

Each works from per-day `Tally`s of the period (and the previous one). They come from the daily roll-ups when the
filters fix at most one dimension (the roll-ups hold "all" and each single dimension), rebuilt first where a day is
dirty so the numbers are exact; filters combining dimensions count the facts directly (`scratch`). The
`*_from_scratch` variants always count the facts; the tests hold both paths to exactly equal figures.
`Metrics.computed_from` says which path answered.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from heartdesk.core.periods import local_today
from heartdesk.reporting import rollups, scratch
from heartdesk.reporting.catalogue import KPIS
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.tally import QUANTILES, Tally, figures, total
from heartdesk.reporting.targets import current_targets
from heartdesk.reporting.types import BreakdownRow, Dimension, Grain, Metrics, Period, TrendPoint

ROLLUPS = "roll-ups"
SCRATCH = "tickets and responses"
# The KPIs the dashboard charts over time (and GET /api/v1/metrics returns as "trend").
TREND_KEYS = (
    "csat",
    "nps",
    "fcr",
    "resolution_time",
    "sla_first_response",
    "sla_resolution",
    "tickets_created",
    "tickets_solved",
)
ALL_KEYS = tuple(k.key for k in KPIS)
NO_LABEL = {
    Dimension.AGENT: "No agent",
    Dimension.TEAM: "No team",
    Dimension.CHANNEL: "No channel",
    Dimension.PRIORITY: "No priority",
    Dimension.SEGMENT: "No segment",
    Dimension.TIER: "No tier",
    Dimension.ORGANIZATION: "No organization",
}

DayTallies = dict[dt.date, Tally]


# --- Helpers --------------------------------------------------------------------------------------------------


def fcr_cutoff(today: dt.date) -> dt.date:
    """The last solved day whose FCR is final: every ticket solved that day is past its reopen window by the start
    of today (day + REOPEN_WINDOW_DAYS < today)."""
    return today - dt.timedelta(days=settings.REOPEN_WINDOW_DAYS + 1)


def where(filters: MetricsFilters) -> dict[Dimension, object]:
    """The dimensions the filters fix, typed as the columns are (ids as int, channel and priority as text)."""
    out = {}
    for dim in Dimension:
        value = getattr(filters, dim.value)
        if value not in (None, ""):
            out[dim] = value.value if hasattr(value, "value") else value
    return out


def rollup_series(filters: MetricsFilters) -> tuple[str, str] | None:
    """(dimension, key) of the roll-up series that answers these filters (all, one dimension, or a team and one of
    its agents), or None when they combine other dimensions."""
    dims = filters.dimensions()
    if not dims:
        return rollups.ALL, ""
    if len(dims) == 1:
        ((dim, key),) = dims.items()
        return dim.value, key
    for name, pair in scratch.PAIRS.items():
        if set(dims) == set(pair):
            return name, ":".join(dims[d] for d in pair)
    return None


def breakdown_series(fixed: dict[Dimension, str], by: Dimension) -> tuple[str, dict, int | None] | None:
    """How the roll-ups answer a breakdown by `by` under the fixed dimensions: (series, key pattern, which part of a
    pair key is the row's key), or None when only counting the facts can. A team's agents read the team×agent
    pair series."""
    if not fixed:
        return by.value, {}, None
    if set(fixed) == {by}:
        return by.value, {"key": fixed[by]}, None
    for name, (first, second) in scratch.PAIRS.items():
        if set(fixed) == {first} and by == second:
            return name, {"key__startswith": f"{fixed[first]}:"}, 1
        if set(fixed) == {second} and by == first:
            return name, {"key__endswith": f":{fixed[second]}"}, 0
    return None


def needs_histograms(keys) -> bool:
    """Only medians and percentiles read the minute histograms; every other figure comes from the counts."""
    return any(k in QUANTILES for k in keys)


@dataclass
class Days:
    """The per-day tallies of a window, and the roll-up series they came from (None: counted from the facts, with
    their histograms). Roll-up days are read without histograms unless asked; `histograms_into` adds a period's."""

    tallies: DayTallies
    source: str
    series: tuple[str, str] | None = None
    with_histograms: bool = True

    def histograms_into(self, tally: Tally, period: Period) -> None:
        if not self.with_histograms:
            rollups.read_histogram_totals(*self.series, period.date_from, period.date_to, tally)


def _days(
    filters: MetricsFilters, first: dt.date, last: dt.date, *, from_scratch: bool, histograms: bool = True
) -> Days:
    series = None if from_scratch else rollup_series(filters)
    if series is None:
        tallies = {day: t for (day, _, _), t in scratch.day_tallies(first, last, where=where(filters)).items()}
        return Days(tallies, SCRATCH)
    rollups.refresh(first, last)
    tallies = rollups.read_days(*series, first, last, histograms=histograms)
    return Days(tallies, ROLLUPS, series, with_histograms=histograms)


def _sum(days: DayTallies, period: Period, cutoff: dt.date) -> Tally:
    return total(
        ((d, t) for d, t in days.items() if period.date_from <= d <= period.date_to), fcr_ok=lambda d: d <= cutoff
    )


def _live(tallies: list[Tally], periods: list[Period], filters: MetricsFilters, *, backlog: bool) -> None:
    """Retention per period (one query) and, for the first tally, the backlog now (one query)."""
    counts = scratch.retention([(p.date_from, p.date_to) for p in periods], where(filters)).get("", [])
    for t, (at_start, kept) in zip(tallies, counts, strict=True):
        t.ret_start, t.ret_kept = at_start, kept
    if backlog:
        tallies[0].backlog = scratch.backlog(where(filters))[""]


# --- Metrics --------------------------------------------------------------------------------------------------


def _metrics(filters: MetricsFilters, days: Days, today: dt.date) -> Metrics:
    period, previous = filters.period, filters.previous_period
    cutoff = fcr_cutoff(today)
    now_t, before_t = _sum(days.tallies, period, cutoff), _sum(days.tallies, previous, cutoff)
    days.histograms_into(now_t, period)
    days.histograms_into(before_t, previous)
    _live([now_t, before_t], [period, previous], filters, backlog=True)
    return Metrics(
        period=period,
        previous_period=previous,
        figures=figures(now_t, targets=current_targets(), before=before_t),
        computed_from=days.source,
    )


def metrics(filters: MetricsFilters, *, now: dt.datetime | None = None, from_scratch: bool = False) -> Metrics:
    """Every KPI of the catalogue over the period, with n, 95 % interval, target, status, the previous period's
    value and whether the change is significant. About seven queries on the roll-up path (plus the rebuild of any
    dirty day in the window)."""
    days = _days(
        filters, filters.previous_period.date_from, filters.date_to, from_scratch=from_scratch, histograms=False
    )
    return _metrics(filters, days, local_today(now))


def metrics_from_scratch(filters: MetricsFilters, *, now: dt.datetime | None = None) -> Metrics:
    return metrics(filters, now=now, from_scratch=True)


# --- Trend ----------------------------------------------------------------------------------------------------


def _bucket_start(day: dt.date, grain: Grain) -> dt.date:
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def _next_bucket(start: dt.date, grain: Grain) -> dt.date:
    if grain == Grain.DAY:
        return start + dt.timedelta(days=1)
    if grain == Grain.WEEK:
        return start + dt.timedelta(days=7)
    months = 1 if grain == Grain.MONTH else 3
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def bucket_label(start: dt.date, grain: Grain) -> str:
    if grain == Grain.DAY:
        return start.isoformat()
    if grain == Grain.WEEK:
        return f"Week of {start.isoformat()}"
    if grain == Grain.MONTH:
        return f"{start:%B %Y}"
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def buckets(period: Period, grain: Grain) -> list[tuple[dt.date, Period]]:
    """(natural start, the part of the period inside it) for each day/ISO week/month/quarter meeting the period."""
    out = []
    start = _bucket_start(period.date_from, grain)
    while start <= period.date_to:
        following = _next_bucket(start, grain)
        part = Period(max(start, period.date_from), min(following - dt.timedelta(days=1), period.date_to))
        out.append((start, part))
        start = following
    return out


def _trend(
    filters: MetricsFilters, days: Days, grain: Grain, keys: tuple[str, ...], today: dt.date
) -> list[TrendPoint]:
    """Each point covers the days of its bucket that are inside the period (the first and last may be partial),
    so the points add up to the period. The backlog is live (now), so it has no data in a trend."""
    cutoff = fcr_cutoff(today)
    parts = buckets(filters.period, grain)
    tallies = [_sum(days.tallies, part, cutoff) for _, part in parts]
    if "retention" in keys and parts:
        _live(tallies, [part for _, part in parts], filters, backlog=False)
    targets = current_targets()
    return [
        TrendPoint(start=start, label=bucket_label(start, grain), figures=figures(t, targets=targets, keys=keys))
        for (start, _), t in zip(parts, tallies, strict=True)
    ]


def trend(
    filters: MetricsFilters,
    *,
    grain: Grain | None = None,
    keys: tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
    from_scratch: bool = False,
) -> list[TrendPoint]:
    """One point per day, ISO week, month or quarter meeting the period (`grain`, default the filters')."""
    grain = Grain(grain or filters.grain)
    keys = tuple(keys or ALL_KEYS)
    days = _days(
        filters, filters.date_from, filters.date_to, from_scratch=from_scratch, histograms=needs_histograms(keys)
    )
    return _trend(filters, days, grain, keys, local_today(now))


def trend_from_scratch(filters: MetricsFilters, **kwargs) -> list[TrendPoint]:
    return trend(filters, from_scratch=True, **kwargs)


def overview(
    filters: MetricsFilters,
    *,
    trend_keys: tuple[str, ...] = TREND_KEYS,
    grain: Grain | None = None,
    now: dt.datetime | None = None,
    from_scratch: bool = False,
) -> tuple[Metrics, list[TrendPoint]]:
    """`metrics` and `trend` from one read of the days (what the dashboard and GET /api/v1/metrics show)."""
    days = _days(
        filters,
        filters.previous_period.date_from,
        filters.date_to,
        from_scratch=from_scratch,
        histograms=needs_histograms(trend_keys),
    )
    today = local_today(now)
    return (
        _metrics(filters, days, today),
        _trend(filters, days, Grain(grain or filters.grain), trend_keys, today),
    )


# --- Breakdown ------------------------------------------------------------------------------------------------


def _volume(t: Tally) -> int:
    """What "volume" orders a breakdown by: tickets received + tickets solved + survey responses."""
    return t.c["created"] + t.c["solved"] + t.c["responses"]


def _top(per_key: dict[str, Tally], limit: int) -> list[str]:
    return sorted(per_key, key=lambda k: (-_volume(per_key[k]), k))[:limit]


def _keys_from_rollups(
    filters: MetricsFilters,
    by: Dimension,
    limit: int,
    cutoff: dt.date,
    series: tuple[str, dict, int | None],
    histograms: bool,
) -> dict[str, Tally]:
    """The busiest `limit` keys first by volume alone (a light read), then their full sums and histograms."""
    period = filters.period
    rollups.refresh(period.date_from, period.date_to)
    dimension, pattern, part = series
    volume = rollups.volumes(dimension, period.date_from, period.date_to, pattern=pattern)
    row_key = (lambda k: k) if part is None else (lambda k: k.split(":")[part])
    top = sorted(volume, key=lambda k: (-volume[k], row_key(k)))[:limit]
    if not top:
        return {}
    sums = rollups.read_keys(dimension, period.date_from, period.date_to, fcr_until=cutoff, keys=top)
    if histograms:
        rollups.read_histograms(dimension, top, period.date_from, period.date_to, sums)
    return {row_key(k): sums[k] for k in top}


def _keys_from_scratch(filters: MetricsFilters, by: Dimension, limit: int, cutoff: dt.date) -> dict[str, Tally]:
    period = filters.period
    per_key: dict[str, Tally] = {}
    for (day, _, key), t in scratch.day_tallies(
        period.date_from, period.date_to, where=where(filters), groups=(by.value,)
    ).items():
        per_key.setdefault(key, Tally()).add(t, fcr=day <= cutoff)
    return {k: per_key[k] for k in _top(per_key, limit)}


def labels(by: Dimension, keys: list[str]) -> dict[str, str]:
    """Display names of a dimension's keys: a user's full name (else username), a team's, segment's, tier's or
    organization's name, a channel's or priority's label ("P1 Critical"); "No team" etc. for the empty key."""
    from heartdesk.accounts.models import Team, User
    from heartdesk.customers.models import Organization, Segment, Tier
    from heartdesk.tickets.choices import Channel, Priority

    out = {k: NO_LABEL[by] for k in keys if k == ""}
    present = [k for k in keys if k != ""]
    if by in (Dimension.CHANNEL, Dimension.PRIORITY):
        choices = Channel if by == Dimension.CHANNEL else Priority
        names = dict(choices.choices)
        out.update({k: str(names.get(k, k)) for k in present})
        return out
    ids = [int(k) for k in present if k.isdigit()]
    if by == Dimension.AGENT:
        for pk, first, last, username in User.objects.filter(pk__in=ids).values_list(
            "pk", "first_name", "last_name", "username"
        ):
            out[str(pk)] = f"{first} {last}".strip() or username
    else:
        model = {Dimension.TEAM: Team, Dimension.SEGMENT: Segment, Dimension.TIER: Tier}.get(by, Organization)
        out.update({str(pk): name for pk, name in model.objects.filter(pk__in=ids).values_list("pk", "name")})
    for k in present:
        out.setdefault(k, f"#{k}")  # removed since (the roll-ups keep history)
    return out


def breakdown(
    filters: MetricsFilters,
    *,
    by: Dimension,
    keys: tuple[str, ...] | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
    from_scratch: bool = False,
) -> list[BreakdownRow]:
    """One row per value of `by` with activity in the period (tickets received or solved, or responses), the
    busiest `limit` first (ties by key), each with the KPIs over the period (no previous period) and the backlog
    now. Retention only for organization, segment and tier rows (it has no agent, team, channel or priority).

    Roll-ups answer when the filters fix no dimension, only `by` itself, or a team when `by` is agent (and the other
    way round); otherwise the facts are counted."""
    by = Dimension(by)
    keys = tuple(keys or ALL_KEYS)
    cutoff = fcr_cutoff(local_today(now))
    series = None if from_scratch else breakdown_series(filters.dimensions(), by)
    if series is None:
        per_key = _keys_from_scratch(filters, by, limit, cutoff)
    else:
        per_key = _keys_from_rollups(filters, by, limit, cutoff, series, needs_histograms(keys))
    order = list(per_key)
    if "backlog" in keys:
        open_now = scratch.backlog(where(filters), by=by, keys=order)
        for k in order:
            per_key[k].backlog = open_now.get(k, 0)
    if "retention" in keys:
        kept = scratch.retention([(filters.date_from, filters.date_to)], where(filters), by=by, keys=order)
        for k in order:
            (per_key[k].ret_start, per_key[k].ret_kept) = kept.get(k, [(0, 0)])[0]
    names = labels(by, order)
    targets = current_targets()
    return [BreakdownRow(key=k, label=names[k], figures=figures(per_key[k], targets=targets, keys=keys)) for k in order]


def breakdown_from_scratch(filters: MetricsFilters, *, by: Dimension, **kwargs) -> list[BreakdownRow]:
    return breakdown(filters, by=by, from_scratch=True, **kwargs)
