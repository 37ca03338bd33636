"""Periods of whole local days in the help desk's time zone (settings.TIME_ZONE): the one "today", and the
date_from/date_to filter shape that survey results and KPIs share."""

import datetime as dt
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator, model_validator

MAX_DAYS = 3 * 366


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today (or the day of `now`) in the help desk's time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight starting `first`, local midnight ending `last`)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=zone),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


class DayPeriod(Schema):
    """`date_from` to `date_to` inclusive, whole local days; by default the `DEFAULT_DAYS` ending today; at most
    MAX_DAYS long."""

    DEFAULT_DAYS: ClassVar[int] = 30

    date_from: dt.date | None = Field(None, description="First day of the period (default: the default length).")
    date_to: dt.date | None = Field(None, description="Last day of the period, inclusive (default: today).")

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
            self.date_to = max(local_today(), self.date_from or local_today())
        if self.date_from is None:
            self.date_from = self.date_to - dt.timedelta(days=self.DEFAULT_DAYS - 1)
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise ValueError(f"the period is longer than {MAX_DAYS} days")
        return self

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        return day_bounds(self.date_from, self.date_to)

    def previous_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period of the same length just before this one."""
        return day_bounds(self.date_from - dt.timedelta(days=self.days), self.date_from - dt.timedelta(days=1))
