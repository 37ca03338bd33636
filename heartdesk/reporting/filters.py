"""One filter definition for the dashboard, `/api/v1/metrics` and the reports (NetBox's rule).

The period is whole days in settings.TIME_ZONE (the help desk's time zone), `date_from` to `date_to` inclusive;
the default is the 90 days ending today. The previous period is the same number of days just before it.
"""

import datetime as dt
from typing import ClassVar

from pydantic import Field

from heartdesk.core.periods import DayPeriod
from heartdesk.reporting.types import Dimension, Grain, Period
from heartdesk.tickets.choices import Channel, Priority

DEFAULT_DAYS = 90


class MetricsFilters(DayPeriod):
    DEFAULT_DAYS: ClassVar[int] = DEFAULT_DAYS

    date_from: dt.date | None = Field(None, description="First day of the period (default: 89 days before date_to).")
    agent: int | None = Field(None, description="Staff user id: the ticket's assignee, the response's agent.")
    team: int | None = Field(None, description="Team id.")
    channel: Channel | None = None
    priority: Priority | None = None
    segment: int | None = Field(None, description="Segment id (the requester's, else the organization's).")
    tier: int | None = Field(None, description="Tier id (the organization's, else the requester's).")
    organization: int | None = Field(None, description="Organization id.")
    grain: Grain = Field(Grain.WEEK, description="Periods of the trend: day, week, month or quarter.")

    @property
    def period(self) -> Period:
        return Period(self.date_from, self.date_to)

    @property
    def previous_period(self) -> Period:
        days = self.period.days
        return Period(self.date_from - dt.timedelta(days=days), self.date_from - dt.timedelta(days=1))

    def dimensions(self) -> dict[Dimension, str]:
        """The dimensions this filter fixes, each value as the roll-ups key it (text)."""
        out = {}
        for dim in Dimension:
            value = getattr(self, dim.value)
            if value not in (None, ""):
                out[dim] = str(value.value if hasattr(value, "value") else value)
        return out
