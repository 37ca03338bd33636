"""Business time: when an SLA clock that starts at some instant runs out, and how much of it has run.

Pure arithmetic (STYLE rule 12): no Django, no ORM, so the SLA sweep, forms and the API share one definition of
"open" and the tests are tables of cases.

Contracts every function here keeps:

- Inputs are aware datetimes in any zone; outputs are aware UTC datetimes. Naive datetimes are refused, because
  guessing their zone is how due times drift by an hour.
- A calendar is a set of open intervals on the real (UTC) time line. Time is arithmetic over those intervals, never
  a walk over minutes: a day's intervals are computed once and cached, and long spans skip whole weeks at a time
  (the nominal week is known; only holidays, closures and daylight-saving days in the skipped range differ).
- Working windows are local wall times ``(start, end)``, half-open. ``end == time(0, 0)`` means "until midnight"
  (24:00), so ``(time(22), time(0))`` is the last two hours of the day and ``(time(0), time(0))`` the whole day. A
  shift across midnight is two windows, one on each day; windows never spill into the next date.
- Daylight saving: a wall time that does not exist (the spring-forward gap) is the instant the gap ends; a wall
  time that occurs twice (the autumn overlap) is its first occurrence when it opens a window and its last when it
  closes one. So a window is all the real time between the clock first showing its start and last showing its
  end: 09:00-17:00 is 8 real hours on both change-over days, while a 01:00-04:00 night window is 2 hours in spring
  and 4 in autumn. ``always_open`` calendars are pure UTC: two business hours are two real hours on every night.
- ``add_business_seconds`` returns the earliest instant at which the time has elapsed: a target that runs out at
  closing time is due at closing time, not at the next opening. A start outside business hours waits for the next
  opening. Zero seconds returns ``start`` itself (in UTC), even when closed: no clock has run, so nothing is due
  later than now.
- Holidays close whole local dates; ``partial_closures`` close windows of a local date; ``closed_dates`` close
  whole dates. All of them apply to ``always_open`` calendars too ("24/7 except public holidays").
"""

from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

MIDNIGHT = time(0, 0)
# Beyond this many consecutive closed days a calendar is treated as never opening.
HORIZON_DAYS = 400

_SECOND = 1_000_000
_DAY = 86_400 * _SECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_ONE_MICROSECOND = timedelta(microseconds=1)
_DAY_CACHE_SIZE = 8_192
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Window = tuple[time, time]
Interval = tuple[int, int]  # microseconds since the Unix epoch, half-open


class _FrozenMapping(Mapping):
    """A read-only, hashable mapping, so an equal calendar finds the same compiled form in the cache."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data=()):
        items = data.items() if isinstance(data, Mapping) else data
        self._data = {key: tuple(_freeze_window(window) for window in windows) for key, windows in items}
        self._hash = None

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self):
        return repr(self._data)


def _freeze_window(window):
    return tuple(window) if isinstance(window, list | tuple) else window


@dataclass(frozen=True)
class BusinessCalendar:
    """When a team works. Build freely from form or API data; `check_calendar` says what is wrong with it.

    `weekly` maps weekday (0 = Monday) to local working windows and is ignored when `always_open`.
    """

    time_zone: str
    weekly: Mapping[int, Sequence[Window]]
    closed_dates: frozenset[date] = frozenset()
    partial_closures: Mapping[date, Sequence[Window]] = _FrozenMapping()
    holiday_country: str = ""
    holiday_subdivision: str = ""
    always_open: bool = False

    def __post_init__(self):
        object.__setattr__(self, "weekly", _FrozenMapping(self.weekly))
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "partial_closures", _FrozenMapping(self.partial_closures))


# Public API


def add_business_seconds(cal: BusinessCalendar, start: datetime, seconds: int) -> datetime:
    """The earliest instant (UTC) by which `seconds` of business time have elapsed since `start`."""
    start = _utc(start, "start")
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if seconds == 0:
        return start
    compiled = _compiled(cal)
    if compiled.pure_utc:
        return start + timedelta(seconds=seconds)
    return _datetime(compiled.advance(_ticks(start), compiled.local_ordinal(start), seconds * _SECOND))


def business_seconds_between(cal: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole business seconds from `start` to `end`; negative when `end` is earlier, so it also measures overdue."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        return -business_seconds_between(cal, end, start)
    compiled = _compiled(cal)
    if compiled.pure_utc:
        return (end - start) // timedelta(seconds=1)
    return compiled.between(_ticks(start), _ticks(end), compiled.local_ordinal(start), compiled.local_ordinal(end))


def is_open(cal: BusinessCalendar, at: datetime) -> bool:
    at = _utc(at, "at")
    compiled = _compiled(cal)
    moment = _ticks(at)
    return any(a <= moment < b for a, b in compiled.day(compiled.local_ordinal(at)))


def next_open(cal: BusinessCalendar, at: datetime) -> datetime:
    """`at` itself when open, else the next opening; raises ValueError when nothing opens within the horizon."""
    at = _utc(at, "at")
    compiled = _compiled(cal)
    moment, ordinal = _ticks(at), compiled.local_ordinal(at)
    for day in range(ordinal, ordinal + HORIZON_DAYS + 1):
        for a, b in compiled.day(day):
            if b > moment:
                return _datetime(max(a, moment))
    raise _never_opens(ordinal)


def open_intervals(cal: BusinessCalendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Open time within [start, end) as UTC intervals, clipped to the range and merged where they touch."""
    start, end = _utc(start, "start"), _utc(end, "end")
    compiled = _compiled(cal)
    low, high = _ticks(start), _ticks(end)
    found: list[Interval] = []
    for day in range(compiled.local_ordinal(start), compiled.local_ordinal(end) + 1):
        for a, b in compiled.day(day):
            a, b = max(a, low), min(b, high)
            if a >= b:
                continue
            if found and found[-1][1] == a:
                found[-1] = (found[-1][0], b)
            else:
                found.append((a, b))
    return [(_datetime(a), _datetime(b)) for a, b in found]


def check_calendar(cal: BusinessCalendar) -> list[tuple[str, str]]:
    """Every problem as (field, message), so a form or the API can show each next to its field; never raises."""
    problems = _check_time_zone(cal.time_zone)
    weekly_problems = _check_weekly(cal.weekly)
    problems += weekly_problems
    problems += _check_closed_dates(cal.closed_dates)
    problems += _check_partial_closures(cal.partial_closures)
    problems += _check_holidays(cal.holiday_country, cal.holiday_subdivision)
    if not cal.always_open and not weekly_problems and not any(cal.weekly.values()):
        problems.append(("weekly", "The week has no working time; add a window or mark the calendar always open."))
    return problems


# Validation


def _check_time_zone(name: str) -> list[tuple[str, str]]:
    if not name:
        return [("time_zone", "Choose a time zone.")]
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return [("time_zone", f'Unknown time zone "{name}"; use an IANA name such as "Europe/Berlin".')]
    return []


def _check_weekly(weekly: Mapping) -> list[tuple[str, str]]:
    problems = []
    for weekday, windows in weekly.items():
        if weekday not in range(7) or isinstance(weekday, bool):
            problems.append(("weekly", f"Unknown weekday {weekday!r}; use 0 (Monday) to 6 (Sunday)."))
            continue
        problems += [("weekly", message) for message in _window_problems(_WEEKDAYS[weekday], windows, overlap=True)]
    return problems


def _check_closed_dates(closed_dates) -> list[tuple[str, str]]:
    wrong = [value for value in closed_dates if not isinstance(value, date)]
    return [("closed_dates", f"{value!r} is not a date.") for value in wrong]


def _check_partial_closures(closures: Mapping) -> list[tuple[str, str]]:
    problems = []
    for day, windows in closures.items():
        if not isinstance(day, date):
            problems.append(("partial_closures", f"Closures are keyed by date; {day!r} is not a date."))
            continue
        # Closures may overlap: closing the same minute twice is harmless.
        problems += [("partial_closures", message) for message in _window_problems(day.isoformat(), windows)]
    return problems


def _window_problems(label: str, windows, *, overlap: bool = False) -> list[str]:
    problems, spans = [], []
    for window in windows:
        if not _is_window(window):
            problems.append(f"{label}: each window must be a pair of local times (start, end), not {window!r}.")
            continue
        start, end = window
        if end != MIDNIGHT and end <= start:
            verb = "is empty" if end == start else "ends before it starts"
            problems.append(f"{label}: the window {_span(start, end)} {verb}.")
            continue
        spans.append((_micro_of_day(start), _micro_of_end(end), window))
    if overlap:
        spans.sort()
        for (_, first_end, first), (second_start, _, second) in zip(spans, spans[1:], strict=False):
            if second_start < first_end:
                problems.append(f"{label}: the windows {_span(*first)} and {_span(*second)} overlap.")
    return problems


def _is_window(window) -> bool:
    return (
        isinstance(window, tuple) and len(window) == 2 and all(isinstance(t, time) and t.tzinfo is None for t in window)
    )


def _span(start: time, end: time) -> str:
    return f"{_clock(start)}\u2013{'24:00' if end == MIDNIGHT else _clock(end)}"


def _clock(t: time) -> str:
    return t.isoformat() if t.second or t.microsecond else t.strftime("%H:%M")


def _check_holidays(country: str, subdivision: str) -> list[tuple[str, str]]:
    if not country:
        return [("holiday_subdivision", "Choose a holiday country before a subdivision.")] if subdivision else []
    supported = _supported_holiday_countries()
    if country not in supported:
        message = f'Unknown holiday country "{country}"; use an ISO 3166 code such as "DE", "US" or "GB".'
        return [("holiday_country", message)]
    if subdivision and subdivision not in supported[country]:
        choices = ", ".join(supported[country]) or "none"
        return [("holiday_subdivision", f'Unknown subdivision "{subdivision}" of {country}; choose one of {choices}.')]
    return []


@lru_cache(maxsize=1)
def _supported_holiday_countries() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


# The compiled calendar


@lru_cache(maxsize=128)
def _compiled(cal: BusinessCalendar) -> "_Compiled":
    problems = check_calendar(cal)
    if problems:
        raise ValueError("Invalid business calendar: " + " ".join(message for _, message in problems))
    return _Compiled(cal)


class _Compiled:
    """A valid calendar reduced to integers (microseconds, date ordinals) plus its day and year caches.

    Invariant the week skipping relies on: a day that is not closed, not partially closed and has no UTC offset
    change is open exactly its weekday's nominal time, so only those "exception" days need computing.
    """

    def __init__(self, cal: BusinessCalendar):
        self.tz_name = cal.time_zone
        self.tz = ZoneInfo(cal.time_zone)
        self.country = cal.holiday_country
        self.subdivision = cal.holiday_subdivision or None
        self.closed = frozenset(day.toordinal() for day in cal.closed_dates)
        self.partial = {
            day.toordinal(): _merge(sorted(map(_window_micros, windows)))
            for day, windows in cal.partial_closures.items()
        }
        full_day = ((MIDNIGHT, MIDNIGHT),)
        self.windows = tuple(
            _merge(sorted(map(_window_micros, full_day if cal.always_open else cal.weekly.get(weekday, ()))))
            for weekday in range(7)
        )
        self.nominal = tuple(sum(b - a for a, b in windows) for windows in self.windows)
        self.week = sum(self.nominal)
        self.pure_utc = cal.always_open and not (self.country or self.closed or self.partial)
        self._days: dict[int, tuple[Interval, ...]] = {}
        self._years: dict[int, tuple[list[int], list[int]]] = {}

    def local_ordinal(self, moment: datetime) -> int:
        return moment.astimezone(self.tz).toordinal()

    # Walking

    def advance(self, moment: int, ordinal: int, remaining: int) -> int:
        last_open = ordinal
        while True:
            for a, b in self.day(ordinal):
                if b <= moment:
                    continue
                a = max(a, moment)
                if b - a >= remaining:
                    return a + remaining
                remaining -= b - a
                last_open = ordinal
            ordinal += 1
            if remaining > self.week:
                ordinal, used = self.skip_weeks(ordinal, remaining)
                if used:
                    remaining -= used
                    last_open = ordinal - 1
            if ordinal - last_open > HORIZON_DAYS:
                raise _never_opens(last_open)

    def skip_weeks(self, ordinal: int, remaining: int) -> tuple[int, int]:
        """Jump over as many whole weeks as end strictly before the target; call only at a day boundary."""
        weeks = (remaining - 1) // self.week
        while weeks > 0:
            end = ordinal + 7 * weeks
            used = weeks * self.week + self.corrections(ordinal, end)
            if used < remaining:
                return end, used
            weeks -= 1 + (used - remaining) // self.week
        return ordinal, 0

    def between(self, low: int, high: int, first: int, last: int) -> int:
        total = self._overlap(first, low, high)
        ordinal = first + 1
        weeks = (last - ordinal) // 7
        if weeks > 0:  # every skipped day lies strictly inside (low, high)
            total += weeks * self.week + self.corrections(ordinal, ordinal + 7 * weeks)
            ordinal += 7 * weeks
        for day in range(ordinal, last + 1):
            total += self._overlap(day, low, high)
        return total // _SECOND

    def _overlap(self, ordinal: int, low: int, high: int) -> int:
        return sum(max(0, min(b, high) - max(a, low)) for a, b in self.day(ordinal))

    # Days

    def day(self, ordinal: int) -> tuple[Interval, ...]:
        """The date's open intervals in UTC microseconds, sorted and disjoint."""
        intervals = self._days.get(ordinal)
        if intervals is None:
            if len(self._days) >= _DAY_CACHE_SIZE:
                self._days.clear()
            intervals = self._days[ordinal] = self._compute_day(ordinal)
        return intervals

    def _compute_day(self, ordinal: int) -> tuple[Interval, ...]:
        day = date.fromordinal(ordinal)
        windows = self.windows[day.weekday()]
        if not windows or ordinal in self.closed or ordinal in self._holidays(day.year):
            return ()
        intervals = self._to_utc(day, windows)
        closures = self.partial.get(ordinal)
        if closures:
            intervals = _subtract(intervals, self._to_utc(day, closures))
        return tuple(intervals)

    def _to_utc(self, day: date, windows: Sequence[Interval]) -> list[Interval]:
        if day.toordinal() in _offset_change_ordinals(self.tz_name, day.year):
            pairs = sorted((_wall_to_ticks(self.tz, day, a, 0), _wall_to_ticks(self.tz, day, b, 1)) for a, b in windows)
            return list(_merge(pairs))
        offset = datetime.combine(day, MIDNIGHT, self.tz).utcoffset() // _ONE_MICROSECOND
        base = (day.toordinal() - _EPOCH_ORDINAL) * _DAY - offset
        return [(base + a, base + b) for a, b in windows]

    def _holidays(self, year: int) -> frozenset[int]:
        return _holiday_ordinals(self.country, self.subdivision, year) if self.country else frozenset()

    # Weeks

    def corrections(self, first: int, end: int) -> int:
        """How far the open time of days [first, end) differs from their nominal weekday time."""
        total = 0
        for year in range(date.fromordinal(first).year, date.fromordinal(end - 1).year + 1):
            ordinals, sums = self._year(year)
            total += sums[bisect_left(ordinals, end)] - sums[bisect_left(ordinals, first)]
        return total

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        """The year's exception days and the running sum of their corrections, for range sums by bisection."""
        table = self._years.get(year)
        if table is None:
            table = self._years[year] = self._compute_year(year)
        return table

    def _compute_year(self, year: int) -> tuple[list[int], list[int]]:
        first, end = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
        candidates = self._holidays(year) | _offset_change_ordinals(self.tz_name, year)
        candidates |= {o for o in (*self.closed, *self.partial) if first <= o < end}
        entries = [(o, self._actual(o) - self.nominal[date.fromordinal(o).weekday()]) for o in sorted(candidates)]
        entries = [(o, correction) for o, correction in entries if correction]
        return [o for o, _ in entries], [0, *accumulate(correction for _, correction in entries)]

    def _actual(self, ordinal: int) -> int:
        return sum(b - a for a, b in self.day(ordinal))


# Daylight saving


def _wall_to_ticks(tz: ZoneInfo, day: date, micro_of_day: int, fold: int) -> int:
    """A local wall time as UTC microseconds: a time in a gap is the gap's end; `fold` picks within an overlap."""
    if micro_of_day == _DAY:  # "24:00" is the moment the next date begins, its first 00:00
        day, micro_of_day, fold = day + timedelta(days=1), 0, 0
    local = datetime.combine(day, _time_of(micro_of_day, fold), tz)
    moment = _ticks(local)
    if _ticks(local.replace(fold=1 - fold)) == moment:
        return moment
    round_trip = local.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) == local.replace(tzinfo=None):
        return moment  # an overlap: both readings exist and fold chose one
    return _gap_end(tz, _ticks(local.replace(fold=1)), _ticks(local.replace(fold=0)))


def _gap_end(tz: ZoneInfo, low: int, high: int) -> int:
    """The change-over instant in (low, high]; zoneinfo does not expose transitions, so bisect on the offset."""
    after = _offset_at(tz, high)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(tz, middle) == after:
            high = middle
        else:
            low = middle
    return high


def _offset_at(tz: ZoneInfo, moment: int) -> timedelta:
    return _datetime(moment).astimezone(tz).utcoffset()


@lru_cache(maxsize=256)
def _offset_change_ordinals(tz_name: str, year: int) -> frozenset[int]:
    """Dates whose UTC offset changes before the next midnight; every other date has one constant offset."""
    tz = ZoneInfo(tz_name)
    first, end = date(year, 1, 1).toordinal(), date(year + 1, 1, 1).toordinal()
    offsets = [datetime.combine(date.fromordinal(o), MIDNIGHT, tz).utcoffset() for o in range(first, end + 1)]
    return frozenset(first + i for i in range(end - first) if offsets[i] != offsets[i + 1])


@lru_cache(maxsize=512)
def _holiday_ordinals(country: str, subdivision: str | None, year: int) -> frozenset[int]:
    # Observed days can fall in a neighbouring year (US: 2027-12-31 for New Year 2028); each year keeps its own
    # dates so a date's status does not depend on which year was asked first.
    found = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(day.toordinal() for day in found if day.year == year)


# Small helpers


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(UTC)


def _ticks(moment: datetime) -> int:
    return (moment - _EPOCH) // _ONE_MICROSECOND


def _datetime(ticks: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ticks)


def _micro_of_day(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _SECOND + t.microsecond


def _micro_of_end(t: time) -> int:
    return _DAY if t == MIDNIGHT else _micro_of_day(t)


def _window_micros(window: Window) -> Interval:
    return _micro_of_day(window[0]), _micro_of_end(window[1])


def _time_of(micro_of_day: int, fold: int) -> time:
    seconds, micro = divmod(micro_of_day, _SECOND)
    minutes, second = divmod(seconds, 60)
    return time(minutes // 60, minutes % 60, second, micro, fold=fold)


def _merge(intervals: Sequence[Interval]) -> tuple[Interval, ...]:
    """Sorted intervals joined where they overlap or touch; empty ones dropped."""
    merged: list[Interval] = []
    for a, b in intervals:
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return tuple(merged)


def _subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    return [piece for interval in intervals for piece in _cut(interval, holes)]


def _cut(interval: Interval, holes: Sequence[Interval]) -> Iterator[Interval]:
    a, b = interval
    for low, high in holes:
        if high <= a or low >= b:
            continue
        if low > a:
            yield a, low
        a = max(a, high)
    if a < b:
        yield a, b


def _never_opens(ordinal: int) -> ValueError:
    return ValueError(
        f"The calendar has no open time within {HORIZON_DAYS} days after {date.fromordinal(ordinal).isoformat()}; "
        "check its closed dates and working windows."
    )
