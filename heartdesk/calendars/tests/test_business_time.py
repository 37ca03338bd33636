"""Business-time arithmetic, as tables of hand-worked cases plus properties against a naive day-by-day reference.

Speed (timeit, warm caches, Python 3.11 in the dev container; Mon-Fri 09-17 London with GB holidays):
add_business_seconds takes about 7 µs for a 4 h target, 8 µs for 24 h and 8.5 µs for 72 h; business_seconds_between
over a weekend about 9 µs; a 365-day target (about four calendar years) about 15 µs warm and 0.4 ms cold, once the
holidays package has loaded its country. A 24/7 calendar without holidays is about 2 µs. No timing is asserted here.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heartdesk.calendars.business_time import (
    HORIZON_DAYS,
    BusinessCalendar,
    _compiled,
    add_business_seconds,
    business_seconds_between,
    check_calendar,
    is_open,
    next_open,
    open_intervals,
)

HOUR = 3600
LONDON, BERLIN, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
WEEKDAYS, EVERY_DAY = range(5), range(7)


def week(days, *windows):
    return {day: [(time(*a), time(*b)) for a, b in windows] for day in days}


def at(tz, y, mo, d, h=0, mi=0, s=0, us=0):
    return datetime(y, mo, d, h, mi, s, us, tzinfo=tz)


def utc(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


LONDON_9_5 = BusinessCalendar("Europe/London", week(WEEKDAYS, ((9,), (17,))))
LONDON_CLOSED = BusinessCalendar(
    "Europe/London",
    week(WEEKDAYS, ((9,), (17,))),
    closed_dates=frozenset({date(2026, 6, 8)}),
    partial_closures={date(2026, 6, 10): [(time(10), time(11))]},  # a staff meeting
)
LONDON_GB = BusinessCalendar(
    "Europe/London", week(WEEKDAYS, ((9,), (17,))), holiday_country="GB", holiday_subdivision="ENG"
)
BERLIN_LUNCH = BusinessCalendar("Europe/Berlin", week(WEEKDAYS, ((9,), (12,)), ((13,), (17,))))
BERLIN_DE = BusinessCalendar(
    "Europe/Berlin",
    week(WEEKDAYS, ((9,), (17,))),
    partial_closures={date(2026, 12, 24): [(time(13), time(0))]},  # closes at 13:00 on Christmas Eve
    holiday_country="DE",
    holiday_subdivision="BE",
)
BERLIN_DAILY = BusinessCalendar("Europe/Berlin", week(EVERY_DAY, ((9,), (17,))))
BERLIN_NIGHT = BusinessCalendar("Europe/Berlin", week(EVERY_DAY, ((1,), (4,))))  # spans the 02:00-03:00 change
BERLIN_GAP_START = BusinessCalendar("Europe/Berlin", week(EVERY_DAY, ((2, 30), (5,))))  # opens inside the gap
BERLIN_OVERLAP_END = BusinessCalendar("Europe/Berlin", week(EVERY_DAY, ((1,), (2, 30))))  # closes in the overlap
BERLIN_24_7 = BusinessCalendar("Europe/Berlin", {}, always_open=True, holiday_country="DE")
NEW_YORK_SPLIT = BusinessCalendar("America/New_York", week(WEEKDAYS, ((6,), (10,)), ((18,), (22,))))
NEW_YORK_US = BusinessCalendar("America/New_York", week(WEEKDAYS, ((9,), (17,))), holiday_country="US")
NEW_YORK_DAILY = BusinessCalendar("America/New_York", week(EVERY_DAY, ((9,), (17,))))
NEW_YORK_24_7 = BusinessCalendar("America/New_York", {}, always_open=True)
NEW_YORK_24_7_US = BusinessCalendar("America/New_York", {}, always_open=True, holiday_country="US")
LATE_SHIFT = BusinessCalendar("Europe/London", week(WEEKDAYS, ((22,), (0,))))  # 22:00 until midnight


DUE = [
    # Mon-Fri 09-17 London (BST, UTC+1 in June).
    # Fri 16:00: 1 h left on Friday, then Mon 09:00 + 3 h -> Mon 12:00 BST.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 16), 4 * HOUR, utc(2026, 6, 8, 11), id="friday-afternoon"),
    # Fri 20:00 is closed: the clock starts Mon 09:00, + 4 h -> Mon 13:00 BST.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 20), 4 * HOUR, utc(2026, 6, 8, 12), id="friday-night"),
    # Sat 11:00 waits for Mon 09:00, + 1 h -> Mon 10:00 BST.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 6, 11), HOUR, utc(2026, 6, 8, 9), id="weekend"),
    # Wed 03:00 waits for 09:00; 8 h run out exactly at closing, 17:00 BST, not Thursday 09:00.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 10, 3), 8 * HOUR, utc(2026, 6, 10, 16), id="ends-at-closing"),
    # Mon 09:00 + 24 h = three full days -> Wed 17:00 BST.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 8, 9), 24 * HOUR, utc(2026, 6, 10, 16), id="three-days"),
    # In winter London is UTC+0: Fri 16:00 + 4 h -> Mon 12:00 GMT.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 1, 9, 16), 4 * HOUR, utc(2026, 1, 12, 12), id="winter"),
    # The same instant given in another zone counts the same: 15:00 UTC is 16:00 BST.
    pytest.param(LONDON_9_5, utc(2026, 6, 5, 15), 4 * HOUR, utc(2026, 6, 8, 11), id="start-in-utc"),
    # 72 h = 9 days of 8 h: Mon 09:00 -> Thu of the next week 17:00 BST (skips one whole week).
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 1, 9), 72 * HOUR, utc(2026, 6, 11, 16), id="seventy-two-hours"),
    # Lunch break 09-12, 13-17 Berlin (CEST): 10:30-12:00 is 1.5 h, then 13:00 + 1.5 h -> 14:30.
    pytest.param(BERLIN_LUNCH, at(BERLIN, 2026, 6, 2, 10, 30), 3 * HOUR, utc(2026, 6, 2, 12, 30), id="lunch"),
    # Arriving during lunch (12:15) waits for 13:00, + 1 h -> 14:00.
    pytest.param(BERLIN_LUNCH, at(BERLIN, 2026, 6, 2, 12, 15), HOUR, utc(2026, 6, 2, 12), id="during-lunch"),
    # 11:00 + 1 h runs out as lunch starts: due 12:00, not 13:00.
    pytest.param(BERLIN_LUNCH, at(BERLIN, 2026, 6, 2, 11), HOUR, utc(2026, 6, 2, 10), id="until-lunch"),
    # Split shifts 06-10, 18-22 New York (EDT, UTC-4): Tue 09:00 has 1 h, then 18:00 + 2 h -> 20:00 EDT.
    pytest.param(NEW_YORK_SPLIT, at(NEW_YORK, 2026, 6, 2, 9), 3 * HOUR, utc(2026, 6, 3, 0), id="split-evening"),
    # Tue 23:00 is closed: Wed 06-10 gives 4 h, then 18:00 + 1 h -> Wed 19:00 EDT.
    pytest.param(NEW_YORK_SPLIT, at(NEW_YORK, 2026, 6, 2, 23), 5 * HOUR, utc(2026, 6, 3, 23), id="split-night"),
    # Fri 21:00 has 1 h, the weekend is closed, Mon 06:00 + 1 h -> Mon 07:00 EDT.
    pytest.param(NEW_YORK_SPLIT, at(NEW_YORK, 2026, 6, 5, 21), 2 * HOUR, utc(2026, 6, 8, 11), id="split-weekend"),
    # A 22:00-midnight shift: Mon 23:00 has 1 h, Tue 22:00 + 1 h -> Tue 23:00 BST.
    pytest.param(LATE_SHIFT, at(LONDON, 2026, 6, 1, 23), 2 * HOUR, utc(2026, 6, 2, 22), id="until-midnight"),
    # US holidays: Wed 2026-11-25 15:00 EST has 2 h, Thanksgiving (Thu 26) is closed, Fri 09:00 + 2 h -> 11:00 EST.
    pytest.param(NEW_YORK_US, at(NEW_YORK, 2026, 11, 25, 15), 4 * HOUR, utc(2026, 11, 27, 16), id="thanksgiving"),
    # DE/BE: Wed 12-23 16:00 has 1 h; Christmas Eve closes at 13:00 so 09-13 gives 4 h; 25/26 are holidays, then a
    # weekend day; Mon 28 09:00 + 3 h -> 12:00 CET.
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 23, 16), 8 * HOUR, utc(2026, 12, 28, 11), id="christmas"),
    # Christmas Eve 11:00: 2 h until the 13:00 closure, Mon 28 09:00 + 2 h -> 11:00 CET.
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 24, 11), 4 * HOUR, utc(2026, 12, 28, 10), id="christmas-eve"),
    # Christmas Eve 14:00 is already closed: Mon 28 09:00 + 1 h -> 10:00 CET.
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 24, 14), HOUR, utc(2026, 12, 28, 9), id="after-partial-closure"),
    # Thu 12-31 16:00 has 1 h, New Year (Fri 2027-01-01) is a holiday, Mon 4 09:00 + 1 h -> 10:00 CET.
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 31, 16), 2 * HOUR, utc(2027, 1, 4, 9), id="new-year"),
    # Custom closed date Mon 2026-06-08: Fri 16:00 has 1 h, Tue 09:00 + 3 h -> Tue 12:00 BST.
    pytest.param(LONDON_CLOSED, at(LONDON, 2026, 6, 5, 16), 4 * HOUR, utc(2026, 6, 9, 11), id="closed-date"),
    # Staff meeting 10-11 on Wed 2026-06-10: 09-10 is 1 h, 11:00 + 2 h -> 13:00 BST.
    pytest.param(LONDON_CLOSED, at(LONDON, 2026, 6, 10, 9), 3 * HOUR, utc(2026, 6, 10, 12), id="meeting"),
    # Daylight saving, business windows, every day open 09-17.
    # Berlin Sat 03-28 16:00 CET has 1 h; Sun 03-29 opens 09:00 CEST (07:00 UTC), + 1 h -> 08:00 UTC.
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 3, 28, 16), 2 * HOUR, utc(2026, 3, 29, 8), id="berlin-spring"),
    # Berlin Sun 03-29 09:00 CEST + 8 h -> 17:00 CEST = 15:00 UTC: the short day still has 8 working hours.
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 3, 29, 9), 8 * HOUR, utc(2026, 3, 29, 15), id="berlin-spring-day"),
    # Berlin Sun 10-25 09:00 CET + 8 h -> 17:00 CET = 16:00 UTC: the long day also has 8.
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 10, 25, 9), 8 * HOUR, utc(2026, 10, 25, 16), id="berlin-autumn-day"),
    # Berlin Sat 10-24 16:00 CEST (14:00 UTC) has 1 h; Sun 09:00 CET (08:00 UTC) + 1 h -> 09:00 UTC.
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 10, 24, 16), 2 * HOUR, utc(2026, 10, 25, 9), id="berlin-autumn"),
    # New York Sat 03-07 16:00 EST has 1 h; Sun 03-08 09:00 EDT (13:00 UTC) + 1 h -> 14:00 UTC.
    pytest.param(NEW_YORK_DAILY, at(NEW_YORK, 2026, 3, 7, 16), 2 * HOUR, utc(2026, 3, 8, 14), id="new-york-spring"),
    # New York Sun 11-01 09:00 EST (14:00 UTC) + 8 h -> 17:00 EST = 22:00 UTC.
    pytest.param(NEW_YORK_DAILY, at(NEW_YORK, 2026, 11, 1, 9), 8 * HOUR, utc(2026, 11, 1, 22), id="new-york-autumn"),
    # 24/7 counts real hours. Berlin 03-29 01:30 CET (00:30 UTC) + 2 h -> 02:30 UTC, which the clock shows as 04:30.
    pytest.param(BERLIN_24_7, at(BERLIN, 2026, 3, 29, 1, 30), 2 * HOUR, utc(2026, 3, 29, 2, 30), id="24-7-spring"),
    # Berlin 10-25 01:30 CEST (23:30 UTC on the 24th) + 2 h -> 01:30 UTC, the second 02:30 on the clock.
    pytest.param(BERLIN_24_7, at(BERLIN, 2026, 10, 25, 1, 30), 2 * HOUR, utc(2026, 10, 25, 1, 30), id="24-7-autumn"),
    # New York 03-08 01:30 EST (06:30 UTC) + 2 h -> 08:30 UTC (04:30 EDT); the pure-UTC path, no holidays.
    pytest.param(NEW_YORK_24_7, at(NEW_YORK, 2026, 3, 8, 1, 30), 2 * HOUR, utc(2026, 3, 8, 8, 30), id="24-7-ny-spring"),
    # New York 11-01 00:30 EDT (04:30 UTC) + 2 h -> 06:30 UTC (01:30 EST, the second one); with holidays loaded.
    pytest.param(
        NEW_YORK_24_7_US, at(NEW_YORK, 2026, 11, 1, 0, 30), 2 * HOUR, utc(2026, 11, 1, 6, 30), id="24-7-ny-fall"
    ),
    # 24/7 except holidays: Christmas Eve 23:00 CET has 1 h, 25/26 are closed, Sun 27 00:00 + 1 h -> 00:00 UTC.
    pytest.param(BERLIN_24_7, at(BERLIN, 2026, 12, 24, 23), 2 * HOUR, utc(2026, 12, 27, 0), id="24-7-holidays"),
    # A 01:00-04:00 window across the spring gap: 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC) is 2 real hours.
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 3, 29, 1), 2 * HOUR, utc(2026, 3, 29, 2), id="night-spring"),
    # ... so a third hour waits for Monday 01:00 CEST (23:00 UTC Sunday) and ends 00:00 UTC.
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 3, 29, 1), 3 * HOUR, utc(2026, 3, 30, 0), id="night-spring-over"),
    # Across the autumn overlap it is 4 real hours: 01:00 CEST (23:00 UTC) + 3 h -> 02:00 UTC = 03:00 CET.
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 10, 25, 1), 3 * HOUR, utc(2026, 10, 25, 2), id="night-autumn"),
    # Opening at 02:30, which does not exist on 03-29: it opens when the gap ends, 03:00 CEST = 01:00 UTC; + 1 h.
    pytest.param(BERLIN_GAP_START, at(BERLIN, 2026, 3, 29), HOUR, utc(2026, 3, 29, 2), id="opens-in-gap"),
    # Closing at 02:30 in the autumn overlap means the second 02:30 (01:30 UTC): 01:00 CEST + 2.5 h.
    pytest.param(
        BERLIN_OVERLAP_END, at(BERLIN, 2026, 10, 25, 1), 9000, utc(2026, 10, 25, 1, 30), id="closes-in-overlap"
    ),
]


@pytest.mark.parametrize(("cal", "start", "seconds", "due"), DUE)
def test_due_times_match_the_hand_worked_table(cal, start, seconds, due):
    result = add_business_seconds(cal, start, seconds)
    assert result == due
    assert result.tzinfo is UTC


@pytest.mark.parametrize(("cal", "start", "seconds", "due"), DUE)
def test_the_table_runs_backwards_through_business_seconds_between(cal, start, seconds, due):
    assert business_seconds_between(cal, start, due) == seconds


BETWEEN = [
    # Fri 16:00 -> Mon 12:00 BST: 1 h + 3 h.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 16), at(LONDON, 2026, 6, 8, 12), 4 * HOUR, id="weekend"),
    # Backwards is negative, so "time left" can go below zero once overdue.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 8, 12), at(LONDON, 2026, 6, 5, 16), -4 * HOUR, id="backwards"),
    # Sat -> Sun: nothing is open.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 6, 8), at(LONDON, 2026, 6, 7, 20), 0, id="closed"),
    # Whole seconds, truncated: 09:00:00.5 -> 09:00:02 is 1.5 s.
    pytest.param(
        LONDON_9_5, at(LONDON, 2026, 6, 8, 9, 0, 0, 500_000), at(LONDON, 2026, 6, 8, 9, 0, 2), 1, id="truncates"
    ),
    # Thanksgiving week Mon 11-23 -> Mon 11-30: four 8 h days.
    pytest.param(NEW_YORK_US, at(NEW_YORK, 2026, 11, 23), at(NEW_YORK, 2026, 11, 30), 32 * HOUR, id="thanksgiving"),
    # Four weeks of London with GB holidays: June 2026 has none, so 20 days of 8 h.
    pytest.param(LONDON_GB, at(LONDON, 2026, 6, 1), at(LONDON, 2026, 6, 29), 160 * HOUR, id="four-weeks"),
    # Dec 2026 in England: 23 weekdays minus Christmas (Fri 25) and Boxing Day observed (Mon 28): 21 days.
    pytest.param(LONDON_GB, at(LONDON, 2026, 12, 1), at(LONDON, 2027, 1, 1), 21 * 8 * HOUR, id="december"),
    # The spring and autumn change-over days in 09-17 calendars still hold 8 h.
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), 8 * HOUR, id="berlin-spring"),
    pytest.param(BERLIN_DAILY, at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), 8 * HOUR, id="berlin-autumn"),
    pytest.param(NEW_YORK_DAILY, at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9), 8 * HOUR, id="ny-spring"),
    pytest.param(NEW_YORK_DAILY, at(NEW_YORK, 2026, 11, 1), at(NEW_YORK, 2026, 11, 2), 8 * HOUR, id="ny-autumn"),
    # A 24/7 calendar's change-over days are 23 and 25 real hours.
    pytest.param(BERLIN_24_7, at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), 23 * HOUR, id="24-7-spring"),
    pytest.param(BERLIN_24_7, at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), 25 * HOUR, id="24-7-autumn"),
    pytest.param(NEW_YORK_24_7, at(NEW_YORK, 2026, 3, 8), at(NEW_YORK, 2026, 3, 9), 23 * HOUR, id="24-7-ny-spring"),
    # 01:00-04:00 is 3 h on a normal night, 2 h across the gap, 4 h across the overlap.
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 3, 28), at(BERLIN, 2026, 3, 29), 3 * HOUR, id="night-normal"),
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), 2 * HOUR, id="night-spring"),
    pytest.param(BERLIN_NIGHT, at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), 4 * HOUR, id="night-autumn"),
    # 02:30-05:00 opens when the gap ends (03:00): 2 h instead of 2.5 h.
    pytest.param(BERLIN_GAP_START, at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), 2 * HOUR, id="gap-start"),
    # 01:00-02:30 closes at the second 02:30: 2.5 h instead of 1.5 h.
    pytest.param(BERLIN_OVERLAP_END, at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), 9000, id="overlap-end"),
]


@pytest.mark.parametrize(("cal", "start", "end", "seconds"), BETWEEN)
def test_business_seconds_between_matches_the_hand_worked_table(cal, start, end, seconds):
    assert business_seconds_between(cal, start, end) == seconds


OPEN = [
    # (calendar, instant, open?, next opening in UTC)
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 9), True, utc(2026, 6, 5, 8), id="opening-minute"),
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 16, 59), True, utc(2026, 6, 5, 15, 59), id="last-minute"),
    # Windows are half-open: 17:00 belongs to the evening, the next opening is Monday 09:00 BST.
    pytest.param(LONDON_9_5, at(LONDON, 2026, 6, 5, 17), False, utc(2026, 6, 8, 8), id="closing-time"),
    pytest.param(BERLIN_LUNCH, at(BERLIN, 2026, 6, 2, 12, 30), False, utc(2026, 6, 2, 11), id="lunch"),
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 24, 12, 59), True, utc(2026, 12, 24, 11, 59), id="before-closure"),
    # Christmas Eve from 13:00, Christmas, the 26th and Sunday: next opening Mon 28 09:00 CET.
    pytest.param(BERLIN_DE, at(BERLIN, 2026, 12, 24, 13), False, utc(2026, 12, 28, 8), id="christmas"),
    pytest.param(NEW_YORK_US, at(NEW_YORK, 2026, 11, 26, 10), False, utc(2026, 11, 27, 14), id="thanksgiving"),
    pytest.param(BERLIN_GAP_START, at(BERLIN, 2026, 3, 29), False, utc(2026, 3, 29, 1), id="gap"),
    pytest.param(NEW_YORK_24_7, at(NEW_YORK, 2026, 3, 8, 3), True, utc(2026, 3, 8, 7), id="24-7"),
]


@pytest.mark.parametrize(("cal", "moment", "expected", "opening"), OPEN)
def test_is_open_and_next_open_match_the_table(cal, moment, expected, opening):
    assert is_open(cal, moment) is expected
    assert next_open(cal, moment) == opening


def test_open_intervals_are_utc_clipped_and_merged():
    # Fri 12:00 -> Tue 10:00 BST: the rest of Friday, all of Monday, the first hour of Tuesday.
    assert open_intervals(LONDON_9_5, at(LONDON, 2026, 6, 5, 12), at(LONDON, 2026, 6, 9, 10)) == [
        (utc(2026, 6, 5, 11), utc(2026, 6, 5, 16)),
        (utc(2026, 6, 8, 8), utc(2026, 6, 8, 16)),
        (utc(2026, 6, 9, 8), utc(2026, 6, 9, 9)),
    ]
    # A 24/7 calendar across midnight and the spring change is one interval, not one per day.
    start, end = at(BERLIN, 2026, 3, 28, 12), at(BERLIN, 2026, 3, 30, 12)
    assert open_intervals(BERLIN_24_7, start, end) == [(utc(2026, 3, 28, 11), utc(2026, 3, 30, 10))]
    assert open_intervals(BERLIN_LUNCH, at(BERLIN, 2026, 6, 2, 11), at(BERLIN, 2026, 6, 2, 14)) == [
        (utc(2026, 6, 2, 9), utc(2026, 6, 2, 10)),
        (utc(2026, 6, 2, 11), utc(2026, 6, 2, 12)),
    ]
    assert open_intervals(LONDON_9_5, at(LONDON, 2026, 6, 6), at(LONDON, 2026, 6, 7)) == []


def test_zero_seconds_is_due_at_the_start_even_when_closed():
    saturday = at(LONDON, 2026, 6, 6, 11)
    assert add_business_seconds(LONDON_9_5, saturday, 0) == saturday
    assert add_business_seconds(LONDON_9_5, saturday, 0).tzinfo is UTC


def test_it_refuses_negative_seconds_and_naive_datetimes():
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(LONDON_9_5, at(LONDON, 2026, 6, 5, 9), -1)
    with pytest.raises(ValueError, match="aware"):
        add_business_seconds(LONDON_9_5, datetime(2026, 6, 5, 9), 60)
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(LONDON_9_5, at(LONDON, 2026, 6, 5, 9), datetime(2026, 6, 5, 10))


def test_it_gives_up_when_nothing_opens_within_the_horizon():
    closed = {date(2026, 1, 1) + timedelta(days=n) for n in range(HORIZON_DAYS + 30)}
    cal = BusinessCalendar("Europe/London", week(WEEKDAYS, ((9,), (17,))), closed_dates=frozenset(closed))
    with pytest.raises(ValueError, match="no open time within 400 days"):
        add_business_seconds(cal, at(LONDON, 2026, 1, 1), HOUR)
    with pytest.raises(ValueError, match="no open time within 400 days"):
        next_open(cal, at(LONDON, 2026, 1, 1))


def test_it_refuses_an_invalid_calendar():
    with pytest.raises(ValueError, match='Unknown time zone "Mars/Olympus"'):
        add_business_seconds(BusinessCalendar("Mars/Olympus", week(WEEKDAYS, ((9,), (17,)))), utc(2026, 1, 1), 60)


CHECKS = [
    pytest.param(LONDON_GB, [], id="valid"),
    pytest.param(BusinessCalendar("UTC", {}, always_open=True), [], id="always-open-needs-no-windows"),
    pytest.param(
        BusinessCalendar("Mars/Olympus", week(WEEKDAYS, ((9,), (17,)))),
        [("time_zone", 'Unknown time zone "Mars/Olympus"; use an IANA name such as "Europe/Berlin".')],
        id="time-zone",
    ),
    pytest.param(
        BusinessCalendar("", week(WEEKDAYS, ((9,), (17,)))), [("time_zone", "Choose a time zone.")], id="no-zone"
    ),
    pytest.param(
        BusinessCalendar("UTC", week([0], ((17,), (9,)))),
        [("weekly", "Monday: the window 17:00\u201309:00 ends before it starts.")],
        id="end-before-start",
    ),
    pytest.param(
        BusinessCalendar("UTC", week([2], ((9,), (9,)))),
        [("weekly", "Wednesday: the window 09:00\u201309:00 is empty.")],
        id="empty-window",
    ),
    pytest.param(
        BusinessCalendar("UTC", week([4], ((9,), (12,)), ((11, 30), (13,)))),
        [("weekly", "Friday: the windows 09:00\u201312:00 and 11:30\u201313:00 overlap.")],
        id="overlap",
    ),
    pytest.param(
        BusinessCalendar("UTC", week([0], ((22,), (0,)), ((23,), (0,)))),
        [("weekly", "Monday: the windows 22:00\u201324:00 and 23:00\u201324:00 overlap.")],
        id="overlap-until-midnight",
    ),
    pytest.param(
        BusinessCalendar("UTC", {7: [(time(9), time(17))]}),
        [("weekly", "Unknown weekday 7; use 0 (Monday) to 6 (Sunday).")],
        id="weekday",
    ),
    pytest.param(
        BusinessCalendar("UTC", {0: [(time(9),)]}),
        [("weekly", "Monday: each window must be a pair of local times (start, end), not (datetime.time(9, 0),).")],
        id="malformed-window",
    ),
    pytest.param(
        BusinessCalendar(
            "UTC", week(WEEKDAYS, ((9,), (17,))), partial_closures={date(2026, 12, 24): [(time(17), time(13))]}
        ),
        [("partial_closures", "2026-12-24: the window 17:00\u201313:00 ends before it starts.")],
        id="partial-closure",
    ),
    pytest.param(
        BusinessCalendar("UTC", week(WEEKDAYS, ((9,), (17,))), holiday_country="XX"),
        [("holiday_country", 'Unknown holiday country "XX"; use an ISO 3166 code such as "DE", "US" or "GB".')],
        id="country",
    ),
    pytest.param(
        BusinessCalendar("UTC", week(WEEKDAYS, ((9,), (17,))), holiday_country="GB", holiday_subdivision="XX"),
        [("holiday_subdivision", 'Unknown subdivision "XX" of GB; choose one of ENG, NIR, SCT, WLS.')],
        id="subdivision",
    ),
    pytest.param(
        BusinessCalendar("UTC", week(WEEKDAYS, ((9,), (17,))), holiday_subdivision="BE"),
        [("holiday_subdivision", "Choose a holiday country before a subdivision.")],
        id="subdivision-without-country",
    ),
    pytest.param(
        BusinessCalendar("UTC", {0: [], 1: []}),
        [("weekly", "The week has no working time; add a window or mark the calendar always open.")],
        id="no-working-time",
    ),
]


@pytest.mark.parametrize(("cal", "problems"), CHECKS)
def test_check_calendar_names_the_field_and_the_problem(cal, problems):
    assert check_calendar(cal) == problems


def test_check_calendar_reports_every_problem_at_once():
    cal = BusinessCalendar("Nowhere", week([0], ((17,), (9,))), holiday_country="XX")
    assert [field for field, _ in check_calendar(cal)] == ["time_zone", "weekly", "holiday_country"]


def test_equal_calendars_are_equal_and_hashable():
    again = BusinessCalendar("Europe/London", {d: ((time(9), time(17)),) for d in WEEKDAYS})
    assert again == LONDON_9_5
    assert hash(again) == hash(LONDON_9_5)


def test_long_spans_skip_whole_weeks_instead_of_walking_days():
    # A fresh calendar (the closed date makes it unequal to any cached one) so the day cache starts empty.
    cal = BusinessCalendar(
        "Europe/London",
        week(WEEKDAYS, ((9,), (17,))),
        closed_dates=frozenset({date(1999, 1, 1)}),
        holiday_country="GB",
        holiday_subdivision="ENG",
    )
    start = at(LONDON, 2026, 6, 1, 9)
    due = add_business_seconds(cal, start, 365 * 86400)  # ~1,550 calendar days of 8 h weekdays
    assert due == reference_add(cal, start, 365 * 86400)
    # Only the walked days and each year's holidays and change-over days are ever computed.
    assert len(_compiled(cal)._days) < 100


# A naive reference: one day at a time, local wall times converted one by one, holidays from the library as-is.
# It is only valid for windows that avoid the 01:00-03:00 change-over hours, which the tables above cover.


def reference_day(cal, day):
    tz = ZoneInfo(cal.time_zone)
    if day in cal.closed_dates or (cal.holiday_country and day in reference_holidays(cal)):
        return []
    windows = [(time(0), time(0))] if cal.always_open else cal.weekly.get(day.weekday(), ())
    pieces = []
    for start, end in windows:
        pieces += reference_cut(
            (datetime.combine(day, start), datetime.combine(day + timedelta(days=end == time(0)), end)),
            [
                (datetime.combine(day, a), datetime.combine(day + timedelta(days=b == time(0)), b))
                for a, b in cal.partial_closures.get(day, ())
            ],
        )
    return [(a.replace(tzinfo=tz).astimezone(UTC), b.replace(tzinfo=tz).astimezone(UTC)) for a, b in pieces]


def reference_cut(piece, holes):
    for low, high in sorted(holes):
        a, b = piece
        if low <= a < high:
            piece = (min(high, b), b)
        elif a < low < b:
            return [(a, low), *reference_cut((min(high, b), b), holes)]
    return [piece] if piece[0] < piece[1] else []


_REFERENCE_HOLIDAYS = {}


def reference_holidays(cal):
    key = (cal.holiday_country, cal.holiday_subdivision)
    if key not in _REFERENCE_HOLIDAYS:
        _REFERENCE_HOLIDAYS[key] = holidays.country_holidays(
            cal.holiday_country, subdiv=cal.holiday_subdivision or None
        )
    return _REFERENCE_HOLIDAYS[key]


def reference_add(cal, start, seconds):
    left = timedelta(seconds=seconds)
    day = start.astimezone(ZoneInfo(cal.time_zone)).date()
    while True:
        for a, b in reference_day(cal, day):
            a = max(a, start)
            if b > a:
                if b - a >= left:
                    return a + left
                left -= b - a
        day += timedelta(days=1)


def reference_between(cal, start, end):
    tz = ZoneInfo(cal.time_zone)
    day, last, total = start.astimezone(tz).date(), end.astimezone(tz).date(), timedelta()
    while day <= last:
        for a, b in reference_day(cal, day):
            total += max(timedelta(), min(b, end) - max(a, start))
        day += timedelta(days=1)
    return total // timedelta(seconds=1)


REFERENCE_CALENDARS = [
    LONDON_GB,
    BERLIN_DE,
    BERLIN_24_7,
    NEW_YORK_US,
    NEW_YORK_SPLIT,
    BusinessCalendar(
        "Europe/Berlin",
        week(WEEKDAYS, ((9,), (12,)), ((13,), (17,))) | week([5], ((10,), (14,))),
        closed_dates=frozenset({date(2026, 7, 1), date(2027, 2, 2), date(2028, 8, 8)}),
        partial_closures={date(2026, 7, 2): [(time(11), time(14))], date(2027, 12, 31): [(time(12), time(0))]},
        holiday_country="DE",
        holiday_subdivision="BY",
    ),
]

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)
calendars = st.sampled_from(REFERENCE_CALENDARS)
TEST_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@TEST_SETTINGS
@given(cal=calendars, start=starts, seconds=st.integers(min_value=1, max_value=365 * 86400))
def test_it_agrees_with_the_naive_reference_over_spans_up_to_a_year_of_business_time(cal, start, seconds):
    due = add_business_seconds(cal, start, seconds)
    assert due == reference_add(cal, start, seconds)
    assert business_seconds_between(cal, start, due) == reference_between(cal, start, due) == seconds


@TEST_SETTINGS
@given(cal=calendars, start=starts, days=st.integers(min_value=0, max_value=366), minutes=st.integers(0, 1440))
def test_business_seconds_between_agrees_with_the_reference_over_a_year(cal, start, days, minutes):
    end = start + timedelta(days=days, minutes=minutes)
    assert business_seconds_between(cal, start, end) == reference_between(cal, start, end)


ALL_CALENDARS = st.sampled_from(
    [*REFERENCE_CALENDARS, BERLIN_NIGHT, BERLIN_GAP_START, BERLIN_OVERLAP_END, NEW_YORK_24_7, LATE_SHIFT]
)


@settings(max_examples=300, deadline=None)
@given(cal=ALL_CALENDARS, start=starts, seconds=st.integers(min_value=1, max_value=60 * 86400))
def test_between_inverts_add_and_the_due_time_is_the_earliest(cal, start, seconds):
    due = add_business_seconds(cal, start, seconds)
    assert business_seconds_between(cal, start, due) == seconds
    # Earliest: one microsecond earlier the time has not yet run out, and the last moment was open.
    assert is_open(cal, due - timedelta(microseconds=1))
    if is_open(cal, start):
        assert next_open(cal, start) == start


@settings(max_examples=200, deadline=None)
@given(cal=ALL_CALENDARS, start=starts, a=st.integers(0, 30 * 86400), b=st.integers(0, 30 * 86400))
def test_due_times_grow_with_the_target(cal, start, a, b):
    small, large = sorted((a, b))
    assert add_business_seconds(cal, start, small) <= add_business_seconds(cal, start, large)
    later = start + timedelta(seconds=large)
    assert business_seconds_between(cal, start, start + timedelta(seconds=small)) <= business_seconds_between(
        cal, start, later
    )
