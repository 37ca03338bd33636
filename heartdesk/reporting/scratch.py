"""Counting the facts: tickets, SLA clocks, survey responses, invitations and follow-ups, per local day.

`day_tallies(first, last, where=..., groups=...)` reads every fact placed on the local days `first`..`last`
(settings.TIME_ZONE) with one query per fact table, keeps those matching `where` (dimension -> value, in SQL), and
adds each into a `Tally` per (day, dimension, key) for the requested groupings. The roll-ups store exactly this for
each day (groups = "all" + every dimension, no `where`); the from-scratch path calls it for a whole period with the
filters' dimensions. Durations, days and histograms are computed here in Python, identically for SQLite and
PostgreSQL, so both paths count the same integers.

Where each fact's dimensions come from (docs/METRICS.md, "KPI engine"):
- tickets (and their clocks, through the ticket): agent = assignee, team, channel, priority, organization,
  segment = the requester's else the organization's, tier = the organization's else the requester's;
- responses: their own copied columns (as surveys/services.response_record set them), priority via the ticket;
- invitations: through the ticket (agent, team, channel, priority) and the contact: organization = the ticket's
  else the contact's, segment = the contact's else its organization's, tier = its organization's else its own
  (the columns its response would copy);
- follow-ups: their response's columns.
"""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import Exact

from heartdesk.core.periods import day_bounds
from heartdesk.customers.choices import CustomerStatus
from heartdesk.customers.models import Organization
from heartdesk.reporting.tally import Tally
from heartdesk.reporting.types import Dimension
from heartdesk.surveys import scales
from heartdesk.surveys.choices import FollowUpState
from heartdesk.surveys.models import FollowUp, Invitation, Response
from heartdesk.tickets.choices import ClockState, Target, TicketType
from heartdesk.tickets.filters import IS_TRUE
from heartdesk.tickets.models import Escalation, SlaClock, Ticket

ALL = "all"
DIMENSIONS = tuple(Dimension)
# A pair series keyed "team:agent", so a team's page can list its agents from the roll-ups (the drill-down).
PAIRS: dict[str, tuple[Dimension, Dimension]] = {"team_agent": (Dimension.TEAM, Dimension.AGENT)}
EVERY_GROUP = (ALL, *(d.value for d in DIMENSIONS), *PAIRS)
SECOND = dt.timedelta(seconds=1)
H48 = 48 * 3600
STOPPED = (ClockState.FULFILLED, ClockState.BREACHED)
CLOCK_COUNTERS = {
    Target.FIRST_RESPONSE: ("fr_n", "fr_met"),
    Target.NEXT_UPDATE: ("nu_n", "nu_met"),
    Target.RESOLUTION: ("rs_n", "rs_met"),
    Target.PROMISE: ("pr_n", "pr_met"),
}


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime, tz: ZoneInfo | None = None) -> dt.date:
    return moment.astimezone(tz or zone()).date()


def ticket_dimensions(prefix: str = "") -> dict[Dimension, object]:
    """The ORM expression of each dimension of a ticket (`prefix` reaches the ticket from a clock: "ticket__")."""
    p = prefix
    return {
        Dimension.AGENT: F(f"{p}assignee_id"),
        Dimension.TEAM: F(f"{p}team_id"),
        Dimension.CHANNEL: F(f"{p}channel"),
        Dimension.PRIORITY: F(f"{p}priority"),
        Dimension.ORGANIZATION: F(f"{p}organization_id"),
        Dimension.SEGMENT: Coalesce(
            f"{p}requester__segment_id", f"{p}organization__segment_id", output_field=IntegerField()
        ),
        Dimension.TIER: Coalesce(f"{p}organization__tier_id", f"{p}requester__tier_id", output_field=IntegerField()),
    }


def response_dimensions(prefix: str = "") -> dict[Dimension, object]:
    p = prefix
    return {
        Dimension.AGENT: F(f"{p}agent_id"),
        Dimension.TEAM: F(f"{p}team_id"),
        Dimension.CHANNEL: NullIf(f"{p}channel", Value("")),
        Dimension.PRIORITY: F(f"{p}ticket__priority"),
        Dimension.ORGANIZATION: F(f"{p}organization_id"),
        Dimension.SEGMENT: F(f"{p}segment_id"),
        Dimension.TIER: F(f"{p}tier_id"),
    }


def invitation_dimensions() -> dict[Dimension, object]:
    return {
        Dimension.AGENT: F("ticket__assignee_id"),
        Dimension.TEAM: F("ticket__team_id"),
        Dimension.CHANNEL: F("ticket__channel"),
        Dimension.PRIORITY: F("ticket__priority"),
        Dimension.ORGANIZATION: Coalesce(
            "ticket__organization_id", "contact__organization_id", output_field=IntegerField()
        ),
        Dimension.SEGMENT: Coalesce(
            "contact__segment_id", "contact__organization__segment_id", output_field=IntegerField()
        ),
        Dimension.TIER: Coalesce("contact__organization__tier_id", "contact__tier_id", output_field=IntegerField()),
    }


def _alias(dim: Dimension) -> str:
    return f"d_{dim.value}"


def matching(expressions: dict[Dimension, object], where: dict[Dimension, object]) -> list[Exact]:
    """`where` as filter lookups on these dimension expressions, for a query that needs no dimension columns."""
    return [Exact(expressions[d], v) for d, v in where.items()]


def _with_dimensions(qs, expressions: dict[Dimension, object], where: dict[Dimension, object]):
    """Annotate every dimension as d_<name> and keep the rows matching `where` (in SQL)."""
    qs = qs.annotate(**{_alias(d): e for d, e in expressions.items()})
    return qs.filter(**{_alias(d): v for d, v in where.items()}) if where else qs


def _key(value) -> str:
    return "" if value is None or value == "" else str(value)


class _Sink:
    """Routes each fact to the tallies of its (day, group, key) for the requested groupings."""

    def __init__(self, groups: Iterable[str]):
        self.groups = [(g, self._indexes(g)) for g in groups]
        self.out: dict[tuple[dt.date, str, str], Tally] = {}

    @staticmethod
    def _indexes(group: str) -> tuple[int, ...]:
        if group == ALL:
            return ()
        dims = PAIRS[group] if group in PAIRS else (Dimension(group),)
        return tuple(DIMENSIONS.index(d) for d in dims)

    def tallies(self, day: dt.date, dims) -> list[Tally]:
        found = []
        for group, indexes in self.groups:
            key = ":".join(_key(dims[i]) for i in indexes)
            tally = self.out.get((day, group, key))
            if tally is None:
                tally = self.out[(day, group, key)] = Tally()
            found.append(tally)
        return found


def _bump(histogram: dict[int, int], minutes: int) -> None:
    histogram[minutes] = histogram.get(minutes, 0) + 1


def _seconds(later: dt.datetime, earlier: dt.datetime) -> int:
    """Whole seconds between two instants (floored; never negative)."""
    return max(0, (later - earlier) // SECOND)


def day_tallies(
    first: dt.date,
    last: dt.date,
    *,
    where: dict[Dimension, object] | None = None,
    groups: Iterable[str] = (ALL,),
) -> dict[tuple[dt.date, str, str], Tally]:
    """{(day, group, key): Tally} for the local days first..last; five queries whatever the data."""
    where = where or {}
    start, end = day_bounds(first, last)
    tz = zone()
    sink = _Sink(groups)
    dim_names = [_alias(d) for d in DIMENSIONS]

    def within(moment) -> bool:
        return moment is not None and start <= moment < end

    # Tickets: created, solved and first-responded in the window (one row may place facts on three days).
    tickets = _with_dimensions(
        Ticket.objects.filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(solved_at__gte=start, solved_at__lt=end)
            | Q(first_response_at__gte=start, first_response_at__lt=end)
        ),
        ticket_dimensions(),
        where,
    ).annotate(has_escalation=Exists(Escalation.objects.filter(ticket_id=OuterRef("pk"))))
    for row in tickets.values_list(
        "created_at",
        "solved_at",
        "first_response_at",
        "type",
        "first_contact_resolution",
        "reopen_count",
        "has_escalation",
        *dim_names,
    ).iterator(chunk_size=2000):
        created_at, solved_at, first_response_at, kind, fcr, reopens, escalated = row[:7]
        dims = row[7:]
        if within(created_at):
            for t in sink.tallies(local_day(created_at, tz), dims):
                t.c["created"] += 1
                if kind == TicketType.COMPLAINT:
                    t.c["complaints"] += 1
        if within(solved_at):
            seconds = _seconds(solved_at, created_at)
            for t in sink.tallies(local_day(solved_at, tz), dims):
                c = t.c
                c["solved"] += 1
                c["res_seconds"] += seconds
                c["res_minutes"] += seconds // 60
                c["res_minute_squares"] += (seconds // 60) ** 2
                _bump(t.res_hist, seconds // 60)
                if seconds <= H48:
                    c["res_48h"] += 1
                if reopens:
                    c["reopened"] += 1
                if escalated:
                    c["escalated"] += 1
                if fcr is not None:
                    c["fcr_n"] += 1
                    if fcr:
                        c["fcr_yes"] += 1
        if within(first_response_at):
            seconds = _seconds(first_response_at, created_at)
            for t in sink.tallies(local_day(first_response_at, tz), dims):
                t.c["frt_n"] += 1
                t.c["frt_seconds"] += seconds
                t.c["frt_minutes"] += seconds // 60
                t.c["frt_minute_squares"] += (seconds // 60) ** 2
                _bump(t.frt_hist, seconds // 60)

    # SLA clocks stopped in the window: met = fulfilled (a clock that breached first ends "breached").
    clocks = _with_dimensions(
        SlaClock.objects.filter(state__in=STOPPED, stopped_at__gte=start, stopped_at__lt=end),
        ticket_dimensions("ticket__"),
        where,
    )
    for target, state, stopped_at, *dims in clocks.values_list("target", "state", "stopped_at", *dim_names).iterator(
        chunk_size=2000
    ):
        n_name, met_name = CLOCK_COUNTERS[target]
        for t in sink.tallies(local_day(stopped_at, tz), dims):
            t.c[n_name] += 1
            if state == ClockState.FULFILLED:
                t.c[met_name] += 1

    # Survey responses by submitted_at.
    responses = _with_dimensions(
        Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end), response_dimensions(), where
    )
    for submitted_at, csat, nps, *dims in responses.values_list("submitted_at", "csat", "nps", *dim_names).iterator(
        chunk_size=2000
    ):
        for t in sink.tallies(local_day(submitted_at, tz), dims):
            c = t.c
            c["responses"] += 1
            if csat is not None:
                c["rated"] += 1
                c["rating_sum"] += csat
                c["rating_squares"] += csat * csat
                if scales.satisfied(csat):
                    c["satisfied"] += 1
            if nps is not None:
                c["nps_n"] += 1
                if scales.promoter(nps):
                    c["promoters"] += 1
                elif scales.detractor(nps):
                    c["detractors"] += 1

    # Invitations sent in the window (suppressed and cancelled ones are never sent).
    invitations = _with_dimensions(
        Invitation.objects.filter(sent_at__gte=start, sent_at__lt=end), invitation_dimensions(), where
    )
    for sent_at, answered_at, *dims in invitations.values_list("sent_at", "answered_at", *dim_names).iterator(
        chunk_size=2000
    ):
        for t in sink.tallies(local_day(sent_at, tz), dims):
            t.c["sent"] += 1
            if answered_at is not None:
                t.c["answered"] += 1

    # Follow-ups opened in the window, and whether they are closed now.
    follow_ups = _with_dimensions(
        FollowUp.objects.filter(created_at__gte=start, created_at__lt=end), response_dimensions("response__"), where
    )
    for created_at, state, *dims in follow_ups.values_list("created_at", "state", *dim_names).iterator(chunk_size=2000):
        for t in sink.tallies(local_day(created_at, tz), dims):
            t.c["fu_n"] += 1
            if state == FollowUpState.CLOSED:
                t.c["fu_closed"] += 1

    return sink.out


# --- Live figures (not per day): the backlog now, and customer retention over a period ------------------------------


def _typed(keys: Iterable[str]) -> list:
    return [int(k) if k.isdigit() else k for k in keys]


def only_keys(field: str, keys: Iterable[str] | None) -> Q:
    """Rows whose `field` has one of these keys (as `_key` writes them: "" for none, ids as text); all without."""
    if keys is None:
        return Q()
    keys = list(keys)
    q = Q(**{f"{field}__in": _typed(k for k in keys if k != "")})
    return q | Q(**{f"{field}__isnull": True}) if "" in keys else q


def backlog(
    where: dict[Dimension, object] | None = None, *, by: Dimension | None = None, keys: Iterable[str] | None = None
) -> dict[str, int]:
    """Open tickets now matching `where`: {"": n}, or {key: n} per value of `by` (only `keys`, when given).

    One query, or two when `keys` holds "" (none): `IN (…)` and `IS NULL` apart, because SQLite reads the
    (dimension, is_open, …) index for each but not for their OR."""
    where = where or {}
    wanted = {d: e for d, e in ticket_dimensions().items() if d in where or d == by}  # no needless joins
    qs = _with_dimensions(Ticket.objects.filter(is_open=IS_TRUE), wanted, where)  # is_open = true: indexed
    if by is None:
        return {"": qs.count()}
    alias = _alias(by)
    if keys is None:
        rows = qs.values(alias).annotate(n=Count("id")).values_list(alias, "n")
        return {_key(value): n for value, n in rows}
    keys = list(keys)
    present = _typed(k for k in keys if k != "")
    out = {}
    if present:
        rows = qs.filter(**{f"{alias}__in": present}).values(alias).annotate(n=Count("id")).values_list(alias, "n")
        out.update({_key(value): n for value, n in rows})
    if "" in keys:
        out[""] = qs.filter(**{f"{alias}__isnull": True}).count()
    return out


ORGANIZATION_LEVEL = {Dimension.ORGANIZATION: "id", Dimension.SEGMENT: "segment_id", Dimension.TIER: "tier_id"}


def _customer_on(day: dt.date) -> Q:
    """An organization that was a customer at the start of `day`: it began on or before it (customer_since, else
    the day its record was made) and had not churned by it (status churned with churned_on on or before it)."""
    _, end_of_day = day_bounds(day, day)
    began = Q(customer_since__lte=day) | Q(customer_since__isnull=True, created_at__lt=end_of_day)
    return began & ~_gone_by(day)


def _gone_by(day: dt.date) -> Q:
    return Q(status=CustomerStatus.CHURNED, churned_on__lte=day)


def retention(
    periods: list[tuple[dt.date, dt.date]],
    where: dict[Dimension, object] | None = None,
    *,
    by: Dimension | None = None,
    keys: Iterable[str] | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Customers at each period's start and those of them still customers at its end, one query for all periods.

    Only organization-level dimensions (organization, segment, tier: the organization's own) apply; agent, team,
    channel and priority say nothing about who is a customer and are ignored. Removed organizations never count.
    Returns {key: [(at start, kept), ...]} ({"": [...]} without `by`; {} when `by` is not organization-level).
    """
    if by is not None and by not in ORGANIZATION_LEVEL:
        return {}
    filters = {ORGANIZATION_LEVEL[d]: v for d, v in (where or {}).items() if d in ORGANIZATION_LEVEL}
    qs = Organization.objects.filter(deleted_at__isnull=True, **filters)
    aggregates = {}
    for i, (first, last) in enumerate(periods):
        at_start = _customer_on(first)
        aggregates[f"s{i}"] = Count("id", filter=at_start)
        aggregates[f"k{i}"] = Count("id", filter=at_start & ~_gone_by(last))
    if not periods:
        return {}
    if by is None:
        counts = qs.aggregate(**aggregates)
        return {"": [(counts[f"s{i}"], counts[f"k{i}"]) for i in range(len(periods))]}
    field = ORGANIZATION_LEVEL[by]
    rows = qs.filter(only_keys(field, keys)).values(field).annotate(**aggregates).order_by()
    return {_key(row[field]): [(row[f"s{i}"], row[f"k{i}"]) for i in range(len(periods))] for row in rows}
