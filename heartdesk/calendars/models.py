"""Business calendars: when a team is open. SLA clocks, notification mail, complaint deadlines and check-ins all
count business time against one of these (`selectors.business_calendar` turns a row into `business_time`'s form)."""

from django.db import models
from django.db.models import Q


class BusinessCalendar(models.Model):
    """Working hours in a time zone: several windows a day, public holidays, custom closed days."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # {"0": [["09:00", "12:00"], ["13:00", "17:00"]], ...}: weekday (0 = Monday) -> local windows.
    windows = models.JSONField(default=dict)
    holiday_country = models.CharField(max_length=8, blank=True)
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    always_open = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarClosure(models.Model):
    """A custom closed day, or part of one when `starts`/`ends` are set (local times)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    starts = models.TimeField(null=True, blank=True)
    ends = models.TimeField(null=True, blank=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(starts__isnull=True) & Q(ends__isnull=True))
                | (Q(starts__isnull=False) & Q(ends__isnull=False) & Q(starts__lt=models.F("ends"))),
                name="closure_whole_day_or_window",
            )
        ]

    def __str__(self) -> str:
        return f"{self.calendar} closed {self.date}" + (f" {self.starts}–{self.ends}" if self.starts else "")
