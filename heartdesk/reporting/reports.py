"""Manager reports (guide 004 §5, §6C): for one week or month, the whole desk's or one team's figures, every team
and agent classified (consistently high, needs support), the root causes of low ratings and the SLA breaches.

`build_report` reads through the KPI engine (`selectors.metrics`, `selectors.breakdown`) and the survey theme
counts, so a report shows exactly the numbers the dashboard and the survey results show for the same days. It
writes nothing; the scheduled delivery is `report_tasks`, the pages `report_views`, the files `report_exports`.
The classification rules are pure functions here and are documented in docs/METRICS.md, "Manager reports".
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team
from heartdesk.core.errors import Invalid, NotFound
from heartdesk.core.periods import local_today
from heartdesk.reporting.catalogue import BY_KEY, Kind
from heartdesk.reporting.choices import ReportKind
from heartdesk.reporting.filters import MetricsFilters
from heartdesk.reporting.types import Dimension, Figure, Period
from heartdesk.tickets.choices import Target
from heartdesk.tickets.models import SlaClock

# The figures a report shows for the desk, each team and each agent, in this order.
REPORT_KPIS: tuple[str, ...] = (
    "csat",
    "average_rating",
    "fcr",
    "resolution_time",
    "sla_first_response",
    "sla_resolution",
)
# The desk's (or team's) summary adds these.
SUMMARY_KPIS: tuple[str, ...] = (
    *REPORT_KPIS[:4],
    "nps",
    "first_response_time",
    "sla_first_response",
    "sla_next_update",
    "sla_resolution",
    "tickets_created",
    "tickets_solved",
)
# A standing needs at least this many rated answers in a period (the guides' "consistently" asks for two periods).
MIN_ANSWERS = 10
RECENT_BREACHES = 10
BREAKDOWN_LIMIT = 500
# Reports of a period are sent from this hour (local, settings.TIME_ZONE) of the day after it ends: late survey
# answers and the night's roll-ups are in by then, and the mail is waiting when the manager starts the week.
SEND_HOUR = 6


class Standing(StrEnum):
    CONSISTENTLY_HIGH = "consistently_high"
    NEEDS_SUPPORT = "needs_support"
    NO_PATTERN = "no_pattern"
    NOT_ENOUGH_ANSWERS = "not_enough_answers"


STANDING_LABELS = {
    Standing.CONSISTENTLY_HIGH: "Consistently high",
    Standing.NEEDS_SUPPORT: "Needs support",
    Standing.NO_PATTERN: "No clear pattern",
    Standing.NOT_ENOUGH_ANSWERS: "Not enough answers",
}


# --- Periods ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    kind: ReportKind
    start: dt.date
    end: dt.date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == ReportKind.WEEKLY:
            week = self.start.isocalendar()
            return f"Week {week.week} of {week.year} ({self.start:%-d %b} – {self.end:%-d %b %Y})"
        return f"{self.start:%B %Y}"

    @property
    def previous(self) -> "ReportPeriod":
        if self.kind == ReportKind.WEEKLY:
            return week_of(self.start - dt.timedelta(days=7))
        return month_of(self.start - dt.timedelta(days=1))

    @property
    def next(self) -> "ReportPeriod":
        return period_containing(self.kind, self.end + dt.timedelta(days=1))

    @property
    def as_period(self) -> Period:
        return Period(self.start, self.end)

    def sends_at(self) -> dt.datetime:
        """When the scheduled job sends it: SEND_HOUR local time on the day after its last day."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(SEND_HOUR), tzinfo=zone)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=zone),
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        )


def week_of(day: dt.date) -> ReportPeriod:
    start = day - dt.timedelta(days=day.weekday())
    return ReportPeriod(ReportKind.WEEKLY, start, start + dt.timedelta(days=6))


def month_of(day: dt.date) -> ReportPeriod:
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return ReportPeriod(ReportKind.MONTHLY, start, following - dt.timedelta(days=1))


def period_containing(kind: str, day: dt.date) -> ReportPeriod:
    return week_of(day) if kind == ReportKind.WEEKLY else month_of(day)


def last_complete(kind: str, *, now: dt.datetime | None = None) -> ReportPeriod:
    """The latest period that has ended (today, in the desk's time zone, is never in it)."""
    return period_containing(kind, local_today(now)).previous


def due_period(kind: str, *, now: dt.datetime | None = None) -> ReportPeriod:
    """The latest period whose send time has passed: the one the scheduled job owes now (never an older one)."""
    now = now or timezone.now()
    period = last_complete(kind, now=now)
    return period if period.sends_at() <= now else period.previous


def recent_periods(kind: str, count: int, *, now: dt.datetime | None = None) -> list[ReportPeriod]:
    periods = [last_complete(kind, now=now)]
    while len(periods) < count:
        periods.append(periods[-1].previous)
    return periods


def parse_kind(value: str) -> ReportKind:
    if value not in ReportKind.values:
        raise NotFound(f"No such report: {value!r} (weekly or monthly).", field="kind")
    return ReportKind(value)


def period_for(kind: str, start, *, now: dt.datetime | None = None) -> ReportPeriod:
    """The period a report address names: a Monday for a week, the 1st for a month, and over before today."""
    kind = parse_kind(kind)
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise Invalid(f"{start!r} is not a date (YYYY-MM-DD).", field="period_start") from None
    if kind == ReportKind.WEEKLY and start.weekday() != 0:
        raise Invalid(f"A week starts on a Monday; {start} is a {start:%A}.", field="period_start")
    if kind == ReportKind.MONTHLY and start.day != 1:
        raise Invalid(f"A month starts on the 1st; {start} is not.", field="period_start")
    period = period_containing(kind, start)
    if period.end >= local_today(now):
        raise Invalid(f"The {kind.label.lower()} period starting {start} has not ended yet.", field="period_start")
    return period


def team_for(value) -> Team | None:
    """`?team=` of a page or the API: empty is the whole desk; anything else must be a team's id."""
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{value!r} is not a team id.", field="team") from None
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise NotFound(f"No team with id {pk}.", field="team")
    return team


# --- Classification (pure) ------------------------------------------------------------------------------------


def _met(figure: Figure | None, target: float) -> bool:
    return figure is not None and figure.value is not None and figure.value >= target


def classify(current: Figure | None, previous: Figure | None, *, target: float) -> tuple[Standing, str]:
    """The standing of a team or an agent from CSAT in this period and the one before, and why (for the reader).

    Consistently high: at or above target in both periods with at least MIN_ANSWERS rated answers in each.
    Needs support: the 95 % interval's upper bound is below target (so even a few answers are conclusive), or
    below target in both periods with at least MIN_ANSWERS in each. Otherwise: not enough answers when either
    period has fewer than MIN_ANSWERS, else no clear pattern (e.g. above target now, below it before).
    """
    n = current.n if current else 0
    prev_n = previous.n if previous else 0
    value = current.value if current else None
    enough = n >= MIN_ANSWERS and prev_n >= MIN_ANSWERS
    if enough and _met(current, target) and _met(previous, target):
        return Standing.CONSISTENTLY_HIGH, (
            f"CSAT {value:.0f} % of {n} and {previous.value:.0f} % of {prev_n} before; target {target:.0f} %"
        )
    if current is not None and current.high is not None and n and current.high < target:
        return Standing.NEEDS_SUPPORT, (
            f"CSAT {value:.0f} % of {n}; even the upper bound {current.high:.0f} % is below the {target:.0f} % target"
        )
    if enough and not _met(current, target) and not _met(previous, target):
        return Standing.NEEDS_SUPPORT, (
            f"CSAT {value:.0f} % of {n} and {previous.value:.0f} % of {prev_n} before; both below {target:.0f} %"
        )
    if not enough:
        return Standing.NOT_ENOUGH_ANSWERS, (
            f"{n} rated answers this period and {prev_n} before; {MIN_ANSWERS} needed in each"
        )
    return Standing.NO_PATTERN, f"CSAT {value:.0f} % of {n} and {previous.value:.0f} % of {prev_n} before"


# --- The report -----------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One team or agent."""

    key: str
    label: str
    figures: dict[str, Figure]
    previous_csat: Figure | None
    breaches: int
    standing: Standing
    reason: str

    @property
    def standing_label(self) -> str:
        return STANDING_LABELS[self.standing]

    @property
    def csat(self) -> Figure | None:
        return self.figures.get("csat")

    @property
    def cells(self) -> list[str]:
        """REPORT_KPIS as text, in order (templates)."""
        return [figure_text(self.figures.get(k)) for k in REPORT_KPIS]


@dataclass
class Cause:
    key: str
    label: str
    negative: int  # negative answers with this theme in the period
    count: int  # all answers with this theme in the period
    previous: int  # all answers with this theme in the previous period


@dataclass
class Breach:
    ticket_id: int
    reference: str
    subject: str
    target: str
    target_label: str
    breached_at: dt.datetime
    assignee: str
    team: str
    url: str


@dataclass
class Breaches:
    total: int
    by_target: list[tuple[str, str, int]]  # key, label, count (every target, zeros included)
    recent: list[Breach]


@dataclass
class Report:
    kind: ReportKind
    period: ReportPeriod
    team: Team | None
    summary: dict[str, Figure]
    teams: list[Row]
    agents: list[Row]
    causes: list[Cause]
    negative_responses: int
    breaches: Breaches
    generated_at: dt.datetime
    csat_target: float
    links: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        scope = self.team.name if self.team else "Whole desk"
        return f"{self.kind.label} report: {scope}, {self.period.label}"

    @property
    def scope(self) -> str:
        return self.team.name if self.team else "Whole desk"

    @property
    def summary_lines(self) -> list[dict]:
        """The summary as text for the templates: label, value, target, status, previous value, change."""
        lines = []
        for key, figure in self.summary.items():
            definition = BY_KEY[key]
            lines.append(
                {
                    "key": key,
                    "label": definition.label,
                    "text": figure_text(figure),
                    "target": _number(figure.target, definition.unit) if figure.target is not None else "",
                    "status": figure.status.value,
                    "previous": _number(figure.previous, definition.unit) if figure.previous is not None else "no data",
                    "change": figure.change,
                    "significant": figure.significant,
                }
            )
        return lines

    @property
    def tables(self) -> list[tuple[str, list[Row], str, str]]:
        """(title, rows, what a row is, element id) for the templates."""
        return [
            ("Team" if self.team else "Teams", self.teams, "Team", "teams"),
            (f"Agents of {self.team.name}" if self.team else "Agents", self.agents, "Agent", "agents"),
        ]

    @property
    def min_answers(self) -> int:
        return MIN_ANSWERS

    @property
    def kpi_labels(self) -> list[str]:
        return [BY_KEY[k].label for k in REPORT_KPIS]

    def standing(self, standing: Standing) -> list[Row]:
        return [r for r in self.teams + self.agents if r.standing == standing]

    @property
    def high_performers(self) -> list[Row]:
        return self.standing(Standing.CONSISTENTLY_HIGH)

    @property
    def needs_support(self) -> list[Row]:
        return self.standing(Standing.NEEDS_SUPPORT)

    def as_dict(self) -> dict:
        def row(r: Row) -> dict:
            return {
                "key": r.key,
                "label": r.label,
                "standing": r.standing.value,
                "reason": r.reason,
                "breaches": r.breaches,
                "previous_csat": r.previous_csat.as_dict() if r.previous_csat else None,
                "figures": {k: f.as_dict() for k, f in r.figures.items()},
            }

        return {
            "kind": self.kind.value,
            "period_start": self.period.start,
            "period_end": self.period.end,
            "previous_start": self.period.previous.start,
            "previous_end": self.period.previous.end,
            "label": self.period.label,
            "team": {"id": self.team.pk, "name": self.team.name} if self.team else None,
            "generated_at": self.generated_at,
            "min_answers": MIN_ANSWERS,
            "csat_target": self.csat_target,
            "summary": {k: f.as_dict() for k, f in self.summary.items()},
            "teams": [row(r) for r in self.teams],
            "agents": [row(r) for r in self.agents],
            "root_causes": [c.__dict__ for c in self.causes],
            "negative_responses": self.negative_responses,
            "breaches": {
                "total": self.breaches.total,
                "by_target": [{"target": k, "label": label, "count": c} for k, label, c in self.breaches.by_target],
                "recent": [{**b.__dict__, "breached_at": b.breached_at} for b in self.breaches.recent],
            },
            "links": self.links,
        }


def _filters(period: ReportPeriod, team: Team | None) -> MetricsFilters:
    return MetricsFilters(date_from=period.start, date_to=period.end, team=team.pk if team else None)


def _breach_counts(period: ReportPeriod, team: Team | None, by: str) -> dict[str, int]:
    start, end = period.bounds()
    qs = SlaClock.objects.filter(breached_at__gte=start, breached_at__lt=end)
    if team is not None:
        qs = qs.filter(ticket__team_id=team.pk)
    column = {"team": "ticket__team_id", "agent": "ticket__assignee_id"}[by]
    return {str(k): c for k, c in qs.values_list(column).annotate(c=Count("id")).values_list(column, "c") if k}


def _rows(period: ReportPeriod, team: Team | None, by: Dimension, target: float, now) -> list[Row]:
    """Every team or agent with activity in the period, classified. The engine's "No agent" / "No team" row
    (unassigned work) is left out: it is nobody to recognise or support, and its numbers are in the summary."""
    from heartdesk.reporting import selectors

    def read(p: ReportPeriod):
        return selectors.breakdown(_filters(p, team), by=by, keys=REPORT_KPIS, limit=BREAKDOWN_LIMIT, now=now)

    current = [r for r in read(period) if r.key]
    previous = {r.key: r.figures.get("csat") for r in read(period.previous) if r.key}
    breaches = _breach_counts(period, team, by.value)
    rows = []
    for r in current:
        csat, before = r.figures.get("csat"), previous.get(r.key)
        standing, reason = classify(csat, before, target=target)
        rows.append(
            Row(
                key=r.key,
                label=r.label,
                figures={k: r.figures[k] for k in REPORT_KPIS if k in r.figures},
                previous_csat=before,
                breaches=breaches.get(r.key, 0),
                standing=standing,
                reason=reason,
            )
        )
    order = list(Standing)
    rows.sort(key=lambda r: (order.index(r.standing), -(r.csat.value or 0) if r.csat else 0, r.label))
    return rows


def _causes(period: ReportPeriod, team: Team | None) -> tuple[list[Cause], int]:
    from heartdesk.surveys.filters import ResultFilters
    from heartdesk.surveys.selectors import theme_counts

    themes, negative_n = theme_counts(
        ResultFilters(date_from=period.start, date_to=period.end, team=team.pk if team else None)
    )
    causes = [
        Cause(key=t.key, label=t.label, negative=t.negative, count=t.count, previous=t.previous)
        for t in themes
        if t.negative
    ]
    causes.sort(key=lambda c: (-c.negative, c.label))
    return causes, negative_n


def _breaches(period: ReportPeriod, team: Team | None) -> Breaches:
    start, end = period.bounds()
    qs = SlaClock.objects.filter(breached_at__gte=start, breached_at__lt=end)
    if team is not None:
        qs = qs.filter(ticket__team_id=team.pk)
    counts = dict(qs.values_list("target").annotate(c=Count("id")).values_list("target", "c"))
    base = settings.PUBLIC_URL.rstrip("/")
    recent = [
        Breach(
            ticket_id=clock.ticket_id,
            reference=clock.ticket.reference,
            subject=clock.ticket.subject,
            target=clock.target,
            target_label=clock.get_target_display(),
            breached_at=clock.breached_at,
            assignee=clock.ticket.assignee.display_name if clock.ticket.assignee_id else "",
            team=clock.ticket.team.name if clock.ticket.team_id else "",
            url=base + reverse("tickets:ticket", args=[clock.ticket_id]),
        )
        for clock in qs.select_related("ticket", "ticket__assignee", "ticket__team").order_by("-breached_at", "-id")[
            :RECENT_BREACHES
        ]
    ]
    return Breaches(
        total=sum(counts.values()),
        by_target=[(t.value, t.label, counts.get(t.value, 0)) for t in Target],
        recent=recent,
    )


def report_links(period: ReportPeriod, team: Team | None) -> dict[str, str]:
    """Absolute links (settings.PUBLIC_URL) to the report's page and its downloads, for the email."""
    base = settings.PUBLIC_URL.rstrip("/")
    args = [period.kind.value, period.start.isoformat()]
    query = f"?team={team.pk}" if team else ""
    return {
        "page": base + reverse("reports:report", args=args) + query,
        "csv": base + reverse("reports:csv", args=args) + query,
        "xlsx": base + reverse("reports:xlsx", args=args) + query,
    }


def build_report(*, kind: str, period_start: dt.date, team: Team | None = None, now=None) -> Report:
    """The report of the period that starts on `period_start` (validated: see `period_for`) for the whole desk
    or one team: for a team, only that team's tickets, answers, agents and breaches."""
    from heartdesk.reporting import selectors

    period = period_for(kind, period_start, now=now)
    metrics = selectors.metrics(_filters(period, team), now=now)
    csat_target = (metrics.figures.get("csat") and metrics.figures["csat"].target) or BY_KEY["csat"].target
    summary = {k: metrics.figures[k] for k in SUMMARY_KPIS if k in metrics.figures}
    if team is None:
        teams = _rows(period, None, Dimension.TEAM, csat_target, now)
    else:
        teams = [r for r in _rows(period, team, Dimension.TEAM, csat_target, now) if r.key == str(team.pk)]
    agents = _rows(period, team, Dimension.AGENT, csat_target, now)
    causes, negative_n = _causes(period, team)
    return Report(
        kind=period.kind,
        period=period,
        team=team,
        summary=summary,
        teams=teams,
        agents=agents,
        causes=causes,
        negative_responses=negative_n,
        breaches=_breaches(period, team),
        generated_at=now or timezone.now(),
        csat_target=csat_target,
        links=report_links(period, team),
    )


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}" if unit in ("%", "h") else f"{text}{unit}"


def figure_text(figure: Figure | None) -> str:
    """ "92 % (n 40, 81–96)": how a figure reads in the email and on the page."""
    if figure is None or figure.value is None:
        return "no data"
    definition = BY_KEY.get(figure.key)
    text = _number(figure.value, definition.unit if definition else "")
    if definition is not None and definition.kind == Kind.COUNT:
        return text
    if figure.low is not None and figure.high is not None:
        return f"{text} (n {figure.n}, {_number(figure.low, '')}–{_number(figure.high, '')})"
    return f"{text} (n {figure.n})"


def report_for(*, user, kind: str, period_start, team=None) -> Report:
    """The report `user` asked for, checked (the pages and the API both read through here): PermissionDenied first
    for someone who may see no report (so the address tells them nothing), NotFound for an unknown kind or team,
    Invalid for a date that does not start a finished period, PermissionDenied for another team's report."""
    if not policy.can_view_reports(user):
        policy.require(user, policy.METRICS_VIEW)
    scope = team_for(team)
    period = period_for(kind, period_start)
    if not policy.can_view_report(user, scope):
        raise PermissionDenied("Your role does not allow metrics: view.")
    return build_report(kind=period.kind, period_start=period.start, team=scope)
