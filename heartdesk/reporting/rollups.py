"""Daily roll-ups of the KPI counts: rebuilt per day from the facts, marked dirty when a fact of that day changes.

Writes: a change to a fact marks the local days it is placed on (`mark_*_dirty`, called by the facts handler,
`reporting/facts.py`, for saves, deletes and the bulk writes services report through `core.facts.touched`);
`recompute_days` rebuilds a day's rows whole from the facts (`scratch.day_tallies`), so a day's rows are always
exactly what counting gives.

Reads: `refresh(first, last)` rebuilds the dirty days of a window before it is read (so every read is exact), and
the periodic job `metrics_rollups` (`tasks.refresh_rollups`) keeps the dirty set small. A day is claimed by deleting
its DirtyDay row inside the transaction that rebuilds it: on PostgreSQL a second reader's delete waits for the
first's commit and then finds nothing to do; a write that marks the day again meanwhile leaves it dirty.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, Sum

from heartdesk.reporting import scratch
from heartdesk.reporting.models import DailyFigures, DirtyDay
from heartdesk.reporting.tally import COUNTERS, FCR_COUNTERS, Tally
from heartdesk.surveys.models import FollowUp, Invitation, Response
from heartdesk.tickets.models import SlaClock, Ticket

ALL = scratch.ALL
CHUNK_DAYS = 7  # days rebuilt per pass: one query per fact table per pass, memory bounded by a week of keys


# --- Marking ------------------------------------------------------------------------------------------------------


def _day(moment) -> dt.date | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return scratch.local_day(moment)
    return moment


def mark_days_dirty(moments: Iterable[dt.datetime | dt.date | None]) -> set[dt.date]:
    """Mark the local days of these instants (or these dates) for rebuilding; one INSERT, duplicates ignored.

    Call inside the transaction that changes the facts, so the mark commits (or rolls back) with them."""
    days = {d for d in map(_day, moments) if d is not None}
    if days:
        DirtyDay.objects.bulk_create([DirtyDay(day=d) for d in sorted(days)], ignore_conflicts=True)
    return days


def _ticket_fact_moments(tickets) -> list:
    """Every instant that places a fact of these tickets (a Ticket queryset): their own timestamps, their stopped
    clocks, their invitations, responses and follow-ups (all of which take dimensions from the ticket)."""
    moments: list = []
    for row in tickets.values_list("created_at", "solved_at", "first_response_at"):
        moments.extend(row)
    moments.extend(
        SlaClock.objects.filter(ticket__in=tickets, state__in=scratch.STOPPED).values_list("stopped_at", flat=True)
    )
    moments.extend(Invitation.objects.filter(ticket__in=tickets).values_list("sent_at", flat=True))
    moments.extend(Response.objects.filter(ticket__in=tickets).values_list("submitted_at", flat=True))
    moments.extend(FollowUp.objects.filter(response__ticket__in=tickets).values_list("created_at", flat=True))
    return moments


def mark_tickets_dirty(ids: Iterable[int]) -> set[dt.date]:
    """After tickets' dimensions (assignee, team, channel, priority, organization, requester) or facts changed
    without a save() (a bulk .update()): mark every day their facts are placed on. Five queries."""
    ids = list(ids)
    if not ids:
        return set()
    return mark_days_dirty(_ticket_fact_moments(Ticket.objects.filter(pk__in=ids)))


def mark_contacts_dirty(ids: Iterable[int]) -> set[dt.date]:
    """After contacts' segment, tier or organization changed: their tickets' days and their invitations' days."""
    ids = list(ids)
    if not ids:
        return set()
    moments = _ticket_fact_moments(Ticket.objects.filter(requester_id__in=ids))
    moments.extend(Invitation.objects.filter(contact_id__in=ids).values_list("sent_at", flat=True))
    return mark_days_dirty(moments)


def mark_organizations_dirty(ids: Iterable[int]) -> set[dt.date]:
    """After organizations' segment or tier changed: the days of their tickets and of their contacts' invitations."""
    ids = list(ids)
    if not ids:
        return set()
    moments = _ticket_fact_moments(Ticket.objects.filter(organization_id__in=ids))
    moments.extend(
        Invitation.objects.filter(Q(contact__organization_id__in=ids) | Q(ticket__organization_id__in=ids))
        .values_list("sent_at", flat=True)
    )  # fmt: skip
    return mark_days_dirty(moments)


# --- Rebuilding ---------------------------------------------------------------------------------------------------


def _runs(days: list[dt.date], size: int) -> list[list[dt.date]]:
    """Sorted days cut into runs of consecutive days, each at most `size` long."""
    runs: list[list[dt.date]] = []
    for day in days:
        if runs and len(runs[-1]) < size and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _dump(histogram: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(histogram.items())}


def _load(histogram: dict | None) -> dict[int, int]:
    return {int(k): v for k, v in (histogram or {}).items()}


def recompute_days(days: Iterable[dt.date], *, chunk_days: int = CHUNK_DAYS) -> int:
    """Rebuild the rows of these days from the facts (each run of days in its own transaction); returns rows."""
    written = 0
    for run in _runs(sorted(set(days)), chunk_days):
        tallies = scratch.day_tallies(run[0], run[-1], groups=scratch.EVERY_GROUP)
        rows = [
            DailyFigures(
                day=day, dimension=group, key=key, res_hist=_dump(t.res_hist), frt_hist=_dump(t.frt_hist), **t.c
            )
            for (day, group, key), t in tallies.items()
            if t
        ]
        with transaction.atomic():
            DailyFigures.objects.filter(day__gte=run[0], day__lte=run[-1]).delete()
            DailyFigures.objects.bulk_create(rows, batch_size=500)
        written += len(rows)
    return written


def _claim_and_recompute(days: list[dt.date]) -> int:
    with transaction.atomic():
        claimed = list(
            DirtyDay.objects.select_for_update().filter(day__in=days).order_by("day").values_list("day", flat=True)
        )
        if not claimed:
            return 0
        DirtyDay.objects.filter(day__in=claimed).delete()
        recompute_days(claimed)
    return len(claimed)


def refresh(first: dt.date, last: dt.date) -> int:
    """Rebuild the dirty days within first..last (one query when there are none); returns the days rebuilt."""
    days = list(DirtyDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    return _claim_and_recompute(days) if days else 0


def refresh_dirty(limit: int = 62) -> int:
    """The periodic job: rebuild up to `limit` dirty days, most recent first (the ones dashboards read)."""
    days = list(DirtyDay.objects.order_by("-day").values_list("day", flat=True)[:limit])
    return _claim_and_recompute(days) if days else 0


def rebuild(first: dt.date, last: dt.date) -> int:
    """Rebuild every day first..last from scratch (bulk-loaded data, a change of time zone): returns rows written.
    Days outside the window keep their rows; dirty marks inside it are cleared."""
    written = recompute_days(
        [first + dt.timedelta(days=i) for i in range((last - first).days + 1)], chunk_days=CHUNK_DAYS
    )
    DirtyDay.objects.filter(day__gte=first, day__lte=last).delete()
    return written


# --- Reading ------------------------------------------------------------------------------------------------------

_VALUES = (*COUNTERS, "res_hist", "frt_hist")


def _tally(values, histograms: bool) -> Tally:
    t = Tally()
    t.c = dict(zip(COUNTERS, values[: len(COUNTERS)], strict=True))
    if histograms:
        t.res_hist = _load(values[-2])
        t.frt_hist = _load(values[-1])
    return t


def read_days(
    dimension: str, key: str, first: dt.date, last: dt.date, *, histograms: bool = True
) -> dict[dt.date, Tally]:
    """{day: Tally} of one roll-up series (dimension "all" with key "", one dimension's value, or a pair); one
    query. Without `histograms` the tallies carry counts only (all but the medians and percentiles)."""
    values = _VALUES if histograms else COUNTERS
    rows = DailyFigures.objects.filter(dimension=dimension, key=key, day__gte=first, day__lte=last).values_list(
        "day", *values
    )
    return {row[0]: _tally(row[1:], histograms) for row in rows}


def read_histogram_totals(dimension: str, key: str, first: dt.date, last: dt.date, into: Tally) -> None:
    """Merge one series' minute histograms over first..last into `into` (for its medians and percentiles)."""
    from heartdesk.reporting.tally import merge

    rows = DailyFigures.objects.filter(dimension=dimension, key=key, day__gte=first, day__lte=last).values_list(
        "res_hist", "frt_hist"
    )
    for res_hist, frt_hist in rows:
        merge(into.res_hist, _load(res_hist))
        merge(into.frt_hist, _load(frt_hist))


def volumes(dimension: str, first: dt.date, last: dt.date, *, pattern: dict | None = None) -> dict[str, int]:
    """{key: tickets received + solved + responses} of one dimension over first..last: the light read that picks a
    breakdown's busiest keys before their full sums are read (summed here: cheaper than GROUP BY on SQLite)."""
    qs = DailyFigures.objects.filter(dimension=dimension, day__gte=first, day__lte=last, **(pattern or {}))
    out: dict[str, int] = {}
    for key, created, solved, responses in qs.values_list("key", "created", "solved", "responses"):
        out[key] = out.get(key, 0) + created + solved + responses
    return out


def read_keys(
    dimension: str, first: dt.date, last: dt.date, *, fcr_until: dt.date, keys: list[str] | None = None
) -> dict[str, Tally]:
    """{key: Tally} of one dimension summed over first..last in SQL (FCR only from days ≤ fcr_until), without the
    histograms; `keys` narrows it. One query."""
    qs = DailyFigures.objects.filter(dimension=dimension, day__gte=first, day__lte=last)
    if keys is not None:
        qs = qs.filter(key__in=keys)
    sums = {
        f"s_{c}": Sum(c, filter=Q(day__lte=fcr_until)) if c in FCR_COUNTERS else Sum(c)
        for c in COUNTERS
    }  # fmt: skip
    out = {}
    for row in qs.values("key").annotate(**sums).order_by():
        t = Tally()
        t.c = {c: row[f"s_{c}"] or 0 for c in COUNTERS}
        out[row["key"]] = t
    return out


def read_histograms(dimension: str, keys: list[str], first: dt.date, last: dt.date, into: dict[str, Tally]) -> None:
    """Merge the minute histograms of these keys over first..last into their tallies; one query."""
    from heartdesk.reporting.tally import merge

    rows = DailyFigures.objects.filter(dimension=dimension, key__in=keys, day__gte=first, day__lte=last).values_list(
        "key", "res_hist", "frt_hist"
    )
    for key, res_hist, frt_hist in rows:
        merge(into[key].res_hist, _load(res_hist))
        merge(into[key].frt_hist, _load(frt_hist))
