"""One filter definition for the dashboard, `/api/v1/metrics` and the reports (NetBox's rule).

The period is whole days in settings.TIME_ZONE (the help desk's time zone), `date_from` to `date_to` inclusive;
the default is the 90 days ending today. The previous period is the same number of days just before it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator, model_validator

from heartdesk.reporting.types import Dimension, Grain, Period
from heartdesk.tickets.choices import Channel, Priority

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


def today() -> dt.date:
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


class MetricsFilters(Schema):
    date_from: dt.date | None = Field(None, description="First day of the period (default: 89 days before date_to).")
    date_to: dt.date | None = Field(None, description="Last day of the period, inclusive (default: today).")
    agent: int | None = Field(None, description="Staff user id: the ticket's assignee, the response's agent.")
    team: int | None = Field(None, description="Team id.")
    channel: Channel | None = None
    priority: Priority | None = None
    segment: int | None = Field(None, description="Segment id (the requester's, else the organization's).")
    tier: int | None = Field(None, description="Tier id (the organization's, else the requester's).")
    organization: int | None = Field(None, description="Organization id.")
    grain: Grain = Field(Grain.WEEK, description="Periods of the trend: day, week, month or quarter.")

    @field_validator("date_to")
    @classmethod
    def _after_start(cls, value, info):
        start = info.data.get("date_from")
        if value and start:
            if start > value:
                raise ValueError("date_to is before date_from")
            if (value - start).days >= MAX_DAYS:
                raise ValueError(f"the period is longer than {MAX_DAYS} days")
        return value

    @model_validator(mode="after")
    def _default_period(self):
        if self.date_to is None:
            self.date_to = max(today(), self.date_from or today())
        if self.date_from is None:
            self.date_from = self.date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValueError(f"the period is longer than {MAX_DAYS} days")
        return self

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

    def bounds(self, period: Period | None = None) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        period = period or self.period
        zone = ZoneInfo(settings.TIME_ZONE)
        start = dt.datetime.combine(period.date_from, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(period.date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start, end
