"""Reading calendars for arithmetic: a row becomes `business_time.BusinessCalendar`, cached by its `updated_at`."""

from datetime import time

from heartdesk.calendars import business_time
from heartdesk.calendars.models import BusinessCalendar

AROUND_THE_CLOCK = business_time.BusinessCalendar(time_zone="UTC", weekly={}, always_open=True)

_CACHE: dict[tuple, business_time.BusinessCalendar] = {}


def _time(text: str) -> time:
    if text in ("24:00", "24:00:00"):
        return time(0, 0)
    return time.fromisoformat(text)


def business_calendar(calendar: BusinessCalendar | None) -> business_time.BusinessCalendar:
    """The calendar's open hours as pure data; no calendar (or an always-open one) is 24/7.

    Every save of a calendar or its closures bumps `updated_at`, so a cached form is never stale."""
    if calendar is None or calendar.always_open:
        return AROUND_THE_CLOCK
    key = (calendar.pk, calendar.updated_at.isoformat())
    found = _CACHE.get(key)
    if found is None:
        found = _compile(calendar)
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def _compile(calendar: BusinessCalendar) -> business_time.BusinessCalendar:
    closures = list(calendar.closures.all())
    partial: dict = {}
    for closure in closures:
        if closure.starts is not None:
            partial.setdefault(closure.date, []).append((closure.starts, closure.ends))
    return business_time.BusinessCalendar(
        time_zone=calendar.time_zone,
        weekly={int(day): [(_time(a), _time(b)) for a, b in spans] for day, spans in calendar.windows.items()},
        closed_dates=frozenset(c.date for c in closures if c.starts is None),
        partial_closures={d: tuple(spans) for d, spans in partial.items()},
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
    )


def calendars_with_closures():
    return BusinessCalendar.objects.prefetch_related("closures")
