"""The executive dashboard (guide 000 §8.2) and the KPI targets page: thin adapters over the KPI engine.

Every number on the dashboard comes from the engine with one `MetricsFilters`: `selectors.overview` (metrics and
trend, the very call `GET /api/v1/metrics` makes) and `selectors.breakdown`. The charts read a `json_script` block
built from those same objects, so the page, its charts and the API show identical figures. A bad filter value is
shown beside its field (never a 500) and the other filters still apply.
"""

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.accounts.models import Team, User
from heartdesk.core.errors import DomainError
from heartdesk.core.periods import local_today as today
from heartdesk.customers.models import Organization, Segment, Tier
from heartdesk.reporting import dashboard as board
from heartdesk.reporting import selectors, targets
from heartdesk.reporting.catalogue import BY_KEY, CSAT_BANDS, KPIS
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.types import Dimension, Grain
from heartdesk.surveys.filters import ResultFilters
from heartdesk.surveys.selectors import theme_counts
from heartdesk.tickets.choices import Channel, Priority

PRESETS = (30, 90, 365)
FIELDS = tuple(MetricsFilters.model_fields)  # date_from, date_to, agent, team, … grain
DIMENSION_FIELDS = tuple(d.value for d in Dimension)
ORGANIZATION_CHOICES = 200  # beyond this the organization filter is reached from "customers at risk"
THEMES_SHOWN = 10

# Tiles, grouped as a manager reads them; a figure the engine adds later lands in "Other".
TILE_GROUPS = (
    ("Satisfaction", ("average_rating", "nps", "response_rate", "follow_up_closure", "retention", "complaints")),
    (
        "Resolution",
        (
            "fcr",
            "resolution_time",
            "resolution_time_median",
            "resolution_time_p90",
            "resolved_48h",
            "first_response_time",
            "first_response_time_median",
            "reopen_rate",
            "escalation_rate",
        ),
    ),
    ("SLA compliance", ("sla_first_response", "sla_next_update", "sla_resolution", "promises_kept")),
    ("Volume", ("tickets_created", "tickets_solved", "backlog")),
)

# Trend charts: id, title, chart type, the figures drawn.
TREND_CHARTS = (
    ("satisfaction", "CSAT and NPS", "line", ("csat", "nps")),
    (
        "resolution",
        "First contact resolution and SLA compliance",
        "line",
        ("fcr", "sla_first_response", "sla_resolution"),
    ),
    ("volume", "Tickets received and solved", "bar", ("tickets_created", "tickets_solved")),
)
BREAKDOWN_KEYS = ("csat", "nps", "fcr", "resolution_time", "sla_resolution", "tickets_solved")
SHORT_LABELS = {"fcr": "FCR", "resolution_time": "Avg resolution", "sla_resolution": "SLA resolution"}

GRAIN_LABELS = {Grain.DAY: "Day", Grain.WEEK: "Week", Grain.MONTH: "Month", Grain.QUARTER: "Quarter"}


# --- Filters ------------------------------------------------------------------------------------------------


def parse_filters(params) -> tuple[MetricsFilters, dict[str, str], int | None]:
    """The filters from a query string, a message per bad field, and the period preset (30/90/365) if one applies.

    `days` (a preset) wins over the dates. A bad value is dropped and named, and the others still apply.
    """
    raw = {k: params.get(k) for k in FIELDS if params.get(k) not in ("", None)}
    errors: dict[str, str] = {}
    days = params.get("days") or None
    if days is not None:
        if days in {str(p) for p in PRESETS}:
            end = today()
            raw["date_to"], raw["date_from"] = end, end - dt.timedelta(days=int(days) - 1)
        else:
            errors["days"] = f"Choose a period of {', '.join(map(str, PRESETS[:-1]))} or {PRESETS[-1]} days."
    for _attempt in range(3):
        try:
            filters = MetricsFilters.model_validate(raw)
            break
        except SchemaError as exc:
            for error in exc.errors():
                field = next((str(p) for p in error["loc"] if str(p) in FIELDS), None)
                # A whole-model error (a period too long) is about the dates.
                field = field or ("date_from" if "date_from" in raw else "date_to")
                message = str(error["msg"]).removeprefix("Value error, ")
                errors.setdefault(field, message)
                raw.pop(field, None)
    else:  # pragma: no cover - every bad field is dropped above, so the defaults always validate
        filters = MetricsFilters()
    preset = None
    if filters.date_to == today():
        preset = next((p for p in PRESETS if filters.period.days == p), None)
    return filters, errors, preset


def _query(filters: MetricsFilters, **changes) -> str:
    """The dashboard's query string for these filters with some values changed (None drops one)."""
    values = {
        "date_from": filters.date_from.isoformat(),
        "date_to": filters.date_to.isoformat(),
        **{f: getattr(filters, f) for f in DIMENSION_FIELDS},
        "grain": filters.grain.value,
    }
    values.update(changes)
    return urlencode(
        {k: (v.value if hasattr(v, "value") else v) for k, v in values.items() if v not in (None, "")},
    )


def _options(filters: MetricsFilters) -> dict:
    organizations = list(
        Organization.objects.filter(deleted_at__isnull=True)
        .order_by("name_key", "id")
        .values_list("pk", "name")[: ORGANIZATION_CHOICES + 1]
    )
    more = len(organizations) > ORGANIZATION_CHOICES
    organizations = organizations[:ORGANIZATION_CHOICES]
    if filters.organization and filters.organization not in {pk for pk, _ in organizations}:
        organizations += list(Organization.objects.filter(pk=filters.organization).values_list("pk", "name"))
    return {
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "agents": [
            (u.pk, u.display_name)
            for u in User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        ],
        "channels": Channel.choices,
        "priorities": Priority.choices,
        "segments": list(Segment.objects.order_by("name").values_list("pk", "name")),
        "tiers": list(Tier.objects.order_by("name").values_list("pk", "name")),
        "organizations": organizations,
        "more_organizations": more,
        "grains": [(g.value, GRAIN_LABELS[g]) for g in Grain],
        "presets": PRESETS,
    }


FILTER_LABELS = (
    ("date_from", "From", "date", None, None),
    ("date_to", "To", "date", None, None),
    ("team", "Team", "select", "teams", "All teams"),
    ("agent", "Agent", "select", "agents", "All agents"),
    ("channel", "Channel", "select", "channels", "All channels"),
    ("priority", "Priority", "select", "priorities", "All priorities"),
    ("segment", "Segment", "select", "segments", "All segments"),
    ("tier", "Tier", "select", "tiers", "All tiers"),
    ("organization", "Organization", "select", "organizations", "All organizations"),
    ("grain", "Trend by", "select", "grains", None),
)


def _filter_fields(filters: MetricsFilters, errors: dict[str, str], options: dict) -> list[dict]:
    fields = []
    for name, label, kind, choices, any_label in FILTER_LABELS:
        value = getattr(filters, name)
        value = value.value if hasattr(value, "value") else value
        fields.append(
            {
                "name": name,
                "label": label,
                "kind": kind,
                "choices": options[choices] if choices else (),
                "any": any_label,
                "value": "" if value is None else (value.isoformat() if kind == "date" else str(value)),
                "error": errors.get(name, ""),
            }
        )
    return fields


def _active_filters(filters: MetricsFilters, options: dict) -> list[tuple[str, str, str]]:
    """(label, value, query without it) for each dimension the filters fix: the drill-down trail."""
    names = {
        "team": dict(options["teams"]),
        "agent": dict(options["agents"]),
        "channel": dict(options["channels"]),
        "priority": dict(options["priorities"]),
        "segment": dict(options["segments"]),
        "tier": dict(options["tiers"]),
        "organization": dict(options["organizations"]),
    }
    out = []
    for field in ("team", "agent", "organization", "channel", "priority", "segment", "tier"):
        value = getattr(filters, field)
        if value is None:
            continue
        key = value.value if hasattr(value, "value") else value
        out.append((field.capitalize(), names[field].get(key, f"#{key}"), _query(filters, **{field: None})))
    return out


# --- Chart data -----------------------------------------------------------------------------------------------


def _short_label(point, grain: Grain) -> str:
    """An axis label that fits under a chart ("31 Aug", "Nov 2026", "2026 Q4"); tooltips and tables say it in full."""
    if grain in (Grain.DAY, Grain.WEEK):
        return f"{point.start.day} {point.start:%b}"
    if grain == Grain.MONTH:
        return f"{point.start:%b %Y}"
    return point.label


def _chart_data(filters: MetricsFilters, metrics, points) -> dict:
    """What dashboard.js draws, from the very Figures the page prints (value None stays null: a gap, not 0)."""
    csat = metrics.figures.get("csat")
    charts = []
    for chart_id, title, kind, keys in TREND_CHARTS:
        charts.append(
            {
                "id": chart_id,
                "title": title,
                "type": kind,
                "labels": [_short_label(p, filters.grain) for p in points],
                "periods": [p.label for p in points],
                "series": [
                    {
                        "key": key,
                        "label": BY_KEY[key].label,
                        "unit": BY_KEY[key].unit,
                        "values": [p.figures[key].value if key in p.figures else None for p in points],
                        "n": [p.figures[key].n if key in p.figures else 0 for p in points],
                    }
                    for key in keys
                ],
            }
        )
    return {
        "gauge": {
            "value": csat.value if csat else None,
            "target": csat.target if csat else None,
            "bands": [{"label": label, "from": low, "to": high} for label, low, high in CSAT_BANDS],
        },
        "charts": charts,
    }


def _trend_tables(points) -> list[dict]:
    """The charts' data as tables: the no-JavaScript view and the accessible alternative of each chart."""
    tables = []
    for chart_id, title, kind, keys in TREND_CHARTS:
        rows = [
            (p.label, [board.number(p.figures[k].value, BY_KEY[k].unit) if k in p.figures else "no data" for k in keys])
            for p in points
        ]
        tables.append(
            {
                "id": chart_id,
                "title": title,
                "kind": kind,
                "columns": [BY_KEY[k].label for k in keys],
                "rows": rows,
                "summary": _summary(title, keys, points),
            }
        )
    return tables


def _summary(title: str, keys, points) -> str:
    """A one-sentence description of a trend chart for screen readers: first and last value of each line."""
    if not points:
        return f"{title}: no periods to show."
    parts = []
    for key in keys:
        values = [
            (p.label, p.figures[key].value) for p in points if key in p.figures and p.figures[key].value is not None
        ]
        unit = BY_KEY[key].unit
        if not values:
            parts.append(f"{BY_KEY[key].label}: no data")
        elif len(values) == 1:
            parts.append(f"{BY_KEY[key].label} {board.number(values[0][1], unit)} ({values[0][0]})")
        else:
            (first_label, first), (last_label, last) = values[0], values[-1]
            parts.append(
                f"{BY_KEY[key].label} from {board.number(first, unit)} ({first_label}) "
                f"to {board.number(last, unit)} ({last_label})"
            )
    return f"{title}, {len(points)} periods: " + "; ".join(parts) + "."


# --- The dashboard ----------------------------------------------------------------------------------------------


def _tile_groups(metrics) -> list[tuple[str, list]]:
    placed = {key for _, keys in TILE_GROUPS for key in keys} | {"csat"}
    groups = [
        (title, [board.tile(metrics.figures[k]) for k in keys if k in metrics.figures]) for title, keys in TILE_GROUPS
    ]
    other = [board.tile(f) for k, f in metrics.figures.items() if k not in placed and k in BY_KEY]
    if other:
        groups.append(("Other", other))
    return [(title, tiles) for title, tiles in groups if tiles]


def _breakdown_rows(filters: MetricsFilters, by: Dimension, now: dt.datetime) -> list[dict]:
    rows = []
    for row in selectors.breakdown(filters, by=by, keys=BREAKDOWN_KEYS, now=now):
        cells = [
            board.number(row.figures[k].value, BY_KEY[k].unit) if k in row.figures else "no data"
            for k in BREAKDOWN_KEYS
        ]
        link = _query(filters, **{by.value: row.key}) if str(row.key).isdigit() else None
        rows.append({"key": row.key, "label": row.label, "cells": cells, "query": link})
    return rows


def _themes(filters: MetricsFilters):
    """The survey results' theme counts over the same period and dimensions (priority has no meaning there)."""
    survey_filters = ResultFilters(
        date_from=filters.date_from,
        date_to=filters.date_to,
        **{f: getattr(filters, f) for f in ("agent", "team", "channel", "segment", "tier", "organization")},
    )
    rows, _negative = theme_counts(survey_filters)
    rows = [r for r in rows if r.count or r.previous]
    rows.sort(key=lambda r: (-r.count, -r.previous, r.label))
    return rows[:THEMES_SHOWN]


def dashboard_context(filters: MetricsFilters, *, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    # The call GET /api/v1/metrics makes: metrics and trend from one read of the days.
    metrics, points = selectors.overview(filters, now=now)  # its trend holds every key the charts draw
    csat = metrics.figures.get("csat")
    return {
        "metrics": metrics,
        "csat": csat,
        "csat_text": board.csat_text(csat) if csat else "no data",
        "csat_band": board.csat_band(csat.value) if csat else "",
        "csat_tile": board.tile(csat) if csat else None,
        "csat_bands": CSAT_BANDS,
        "tile_groups": _tile_groups(metrics),
        "trend_tables": _trend_tables(points),
        "chart_data": _chart_data(filters, metrics, points),
        "team_rows": _breakdown_rows(filters, Dimension.TEAM, now),
        "agent_rows": _breakdown_rows(filters, Dimension.AGENT, now),
        "breakdown_columns": [(SHORT_LABELS.get(k, BY_KEY[k].label), BY_KEY[k].label) for k in BREAKDOWN_KEYS],
        "themes": _themes(filters),
        "at_risk": [
            {**vars(org), "query": _query(filters, organization=org.organization_id)}
            for org in board.customers_at_risk(filters, now=now)
        ],
    }


@permission_required(policy.METRICS_VIEW)
def dashboard(request):
    filters, errors, preset = parse_filters(request.GET)
    options = _options(filters)
    context = {
        "filters": filters,
        "errors": errors,
        "filter_fields": _filter_fields(filters, errors, options),
        "query_all": _query(filters, **dict.fromkeys(DIMENSION_FIELDS)),
        "preset": preset,
        "grain_label": GRAIN_LABELS[filters.grain].lower(),
        "active_filters": _active_filters(filters, options),
        "query": _query(filters),
        "can_manage": policy.can(request.user, policy.METRICS_MANAGE),
        **options,
        **dashboard_context(filters),
    }
    if request.htmx and request.htmx.target == "dashboard-body":
        return render(request, "reporting/partials/dashboard_body.html", context)
    return render(request, "reporting/dashboard.html", context)


# --- KPI targets ----------------------------------------------------------------------------------------------


def _field(key: str) -> str:
    return f"target_{key}"


class TargetsForm(forms.Form):
    """One optional number per KPI: blank means the guides' default (or no target where the guides set none)."""

    def __init__(self, *args, current: dict[str, float | None], **kwargs):
        super().__init__(*args, **kwargs)
        for kpi in KPIS:
            self.fields[_field(kpi.key)] = forms.FloatField(
                label=kpi.label,
                required=False,
                initial=current.get(kpi.key),
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )


@permission_required(policy.METRICS_MANAGE)
def targets_page(request):
    rows = targets.target_rows()
    form = TargetsForm(request.POST or None, current={r["key"]: r["value"] for r in rows})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {kpi.key: form.cleaned_data[_field(kpi.key)] for kpi in KPIS}
            try:
                changed = targets.kpi_targets_save(values=values, actor=request.user)
            except DomainError as exc:
                for key, errors in exc.errors.items():
                    form.add_error(_field(key) if key in BY_KEY else None, errors[0])
            else:
                messages.success(request, f"{changed} target{'s' if changed != 1 else ''} saved.")
                return redirect("reporting:targets")
        status = 422
    shown = [
        {
            "kpi": BY_KEY[row["key"]],
            "field": form[_field(row["key"])],
            "default": board.number(row["default"], row["unit"]) if row["default"] is not None else "none",
            "current": board.number(row["value"], row["unit"]) if row["value"] is not None else "none",
            "overridden": row["value"] != row["default"],
        }
        for row in rows
    ]
    return render(request, "reporting/targets.html", {"form": form, "rows": shown}, status=status)
