"""Writes for business calendars and their closures: keyword-only, `actor` checked, one transaction each.

A calendar is checked whole by `business_time.check_calendar` before it is saved, so a bad window, zone or holiday
country leaves it exactly as it was; errors name the field (`windows`, `time_zone`, `holiday_country`, `closures`).
Every change bumps `updated_at`, which is how `selectors.business_calendar` knows its cached form is stale.
"""

import datetime as dt

from django.db import transaction
from django.db.models import ProtectedError

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.calendars import business_time
from heartdesk.calendars.models import BusinessCalendar, CalendarClosure
from heartdesk.core import validation
from heartdesk.core.errors import Conflict, Invalid

_CALENDAR_FIELDS = {"weekly": "windows", "partial_closures": "closures", "closed_dates": "closures"}


def parse_time(text: str, *, field: str) -> dt.time:
    """ "HH:MM" local time; "24:00" (and "00:00" as an end) mean midnight, as `selectors.business_calendar` reads."""
    value = str(text or "").strip()
    if value in ("24:00", "24:00:00"):
        return dt.time(0, 0)
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise Invalid(f'"{value}" is not a time; write it as HH:MM, for example 09:00 or 17:30.', field=field)
    if parsed.tzinfo is not None:
        raise Invalid(f'"{value}" must be a local time without a zone.', field=field)
    return parsed


def _windows(raw) -> dict[int, list[tuple[dt.time, dt.time]]]:
    if not isinstance(raw, dict):
        raise Invalid('Windows map weekdays "0" (Monday) to "6" to lists of ["HH:MM", "HH:MM"].', field="windows")
    weekly = {}
    for key, spans in raw.items():
        try:
            day = int(key)
        except (TypeError, ValueError):
            raise Invalid(f"Unknown weekday {key!r}; use 0 (Monday) to 6 (Sunday).", field="windows")
        if day not in range(7):
            raise Invalid(f"Unknown weekday {key!r}; use 0 (Monday) to 6 (Sunday).", field="windows")
        if not isinstance(spans, list | tuple):
            raise Invalid(f"Weekday {key}: windows must be a list of [start, end] pairs.", field="windows")
        pairs = []
        for span in spans:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise Invalid(f"Weekday {key}: each window is a pair [start, end], not {span!r}.", field="windows")
            pairs.append((parse_time(span[0], field="windows"), parse_time(span[1], field="windows")))
        weekly[day] = pairs
    return weekly


def _check(cal: business_time.BusinessCalendar) -> None:
    problems = business_time.check_calendar(cal)
    if problems:
        errors: dict[str, list[str]] = {}
        for field, message in problems:
            errors.setdefault(_CALENDAR_FIELDS.get(field, field), []).append(message)
        first = next(iter(errors))
        raise Invalid(" ".join(m for _, m in problems), field=first, errors=errors)


def _stored(weekly: dict[int, list[tuple[dt.time, dt.time]]]) -> dict[str, list[list[str]]]:
    def clock(t: dt.time) -> str:
        return t.strftime("%H:%M")

    return {
        str(day): [[clock(a), "24:00" if b == dt.time(0, 0) else clock(b)] for a, b in sorted(spans)]
        for day, spans in sorted(weekly.items())
        if spans
    }


@transaction.atomic
def calendar_save(
    *,
    calendar: BusinessCalendar | None = None,
    name: str,
    time_zone: str,
    windows: dict,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    always_open: bool = False,
    actor: User | None,
) -> BusinessCalendar:
    """Create a calendar, or replace every field of `calendar`; windows as {"0": [["09:00", "17:00"]], ...}."""
    policy.require(actor, policy.SLA_MANAGE)
    name = validation.text(name, "name", max_length=100, required=True)
    time_zone = validation.text(time_zone, "time_zone", max_length=64)
    country = validation.text(holiday_country, "holiday_country", max_length=8).upper()
    subdivision = validation.text(holiday_subdivision, "holiday_subdivision", max_length=16).upper()
    weekly = _windows(windows)
    _check(
        business_time.BusinessCalendar(
            time_zone=time_zone,
            weekly=weekly,
            holiday_country=country,
            holiday_subdivision=subdivision,
            always_open=bool(always_open),
        )
    )
    if calendar is None:
        calendar = BusinessCalendar()
    else:
        calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    calendar.name = name
    calendar.time_zone = time_zone
    calendar.windows = _stored(weekly)
    calendar.holiday_country = country
    calendar.holiday_subdivision = subdivision
    calendar.always_open = bool(always_open)
    return validation.unique(lambda: calendar.save() or calendar, field="name", value=name)


@transaction.atomic
def calendar_delete(*, calendar: BusinessCalendar, actor: User | None) -> None:
    """A calendar something still counts time by (an SLA policy, say) cannot go: the PROTECT foreign keys say who."""
    policy.require(actor, policy.SLA_MANAGE)
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError as exc:
        users = sorted({str(obj) for obj in exc.protected_objects})[:5]
        raise Conflict(f"The calendar is used by {', '.join(users)}; give them another calendar first.")


@transaction.atomic
def closure_add(
    *,
    calendar: BusinessCalendar,
    date: dt.date,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
    name: str = "",
    actor: User | None,
) -> CalendarClosure:
    """Close a whole local date (no times), or the window `starts`–`ends` of it ("24:00" end: until midnight)."""
    policy.require(actor, policy.SLA_MANAGE)
    if not isinstance(date, dt.date):
        raise Invalid("Give the closed date as YYYY-MM-DD.", field="date")
    if (starts is None) != (ends is None):
        raise Invalid("Give both a start and an end time, or neither for the whole day.", field="ends")
    if starts is not None and ends != dt.time(0, 0) and ends <= starts:
        raise Invalid(f"The closure ends ({ends:%H:%M}) before it starts ({starts:%H:%M}).", field="ends")
    if starts is not None and ends == dt.time(0, 0):
        ends = dt.time(23, 59, 59, 999999)  # the table stores starts < ends; the last microsecond is midnight
    calendar = BusinessCalendar.objects.select_for_update().get(pk=calendar.pk)
    closure = CalendarClosure.objects.create(
        calendar=calendar, date=date, starts=starts, ends=ends, name=validation.text(name, "name", max_length=100)
    )
    calendar.save(update_fields=["updated_at"])  # due-time arithmetic caches a calendar by its updated_at
    return closure


@transaction.atomic
def closure_remove(*, closure: CalendarClosure, actor: User | None) -> None:
    policy.require(actor, policy.SLA_MANAGE)
    calendar = BusinessCalendar.objects.select_for_update().get(pk=closure.calendar_id)
    closure.delete()
    calendar.save(update_fields=["updated_at"])
