"""Forms of the calendar pages: they parse "09:00-12:00, 13:00-17:30" into windows; `calendars.services` checks
the rest, and its errors appear beside the field they name."""

import datetime as dt

from django import forms

from heartdesk.calendars import services
from heartdesk.calendars.models import BusinessCalendar
from heartdesk.core.errors import Invalid

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_windows(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:30" -> [["09:00", "12:00"], ["13:00", "17:30"]]; raises ValueError saying why."""
    windows = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        start, sep, end = part.replace("\u2013", "-").partition("-")
        if not sep:
            raise ValueError(f'"{part}" is not a window; write it as 09:00-17:00.')
        times = []
        for value in (start.strip(), end.strip()):
            try:
                times.append(services.parse_time(value, field="windows"))
            except Invalid as exc:
                raise ValueError(exc.message)
        if times[1] != dt.time(0, 0) and times[1] <= times[0]:
            raise ValueError(f'"{part}" ends before it starts; split a night shift into two days.')
        windows.append([start.strip(), end.strip()])
    return windows


def _windows_text(spans) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


def _windows_text(spans) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = forms.CharField(max_length=64, help_text="IANA name, e.g. Europe/Berlin")
    holiday_country = forms.CharField(max_length=8, required=False, help_text="ISO code, e.g. DE, US, GB")
    holiday_subdivision = forms.CharField(max_length=16, required=False, help_text="e.g. BY or CA")
    always_open = forms.BooleanField(required=False, label="Always open (24/7)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[day] = forms.CharField(
                max_length=200, required=False, help_text="e.g. 09:00-12:00, 13:00-17:30" if day == "monday" else ""
            )

    def clean(self):
        data = super().clean()
        windows = {}
        for index, day in enumerate(WEEKDAYS):
            try:
                spans = parse_windows(data.get(day) or "")
            except ValueError as exc:
                self.add_error(day, str(exc))
                continue
            if spans:
                windows[str(index)] = spans
        data["windows"] = windows
        return data

    def service_data(self) -> dict:
        keys = ("name", "time_zone", "holiday_country", "holiday_subdivision", "always_open", "windows")
        return {k: self.cleaned_data[k] for k in keys}

    @staticmethod
    def initial_for(cal: BusinessCalendar) -> dict:
        initial = {
            "name": cal.name,
            "time_zone": cal.time_zone,
            "holiday_country": cal.holiday_country,
            "holiday_subdivision": cal.holiday_subdivision,
            "always_open": cal.always_open,
        }
        for index, day in enumerate(WEEKDAYS):
            initial[day] = _windows_text(cal.windows.get(str(index), []))
        return initial


class ClosureForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.CharField(max_length=8, required=False, help_text="Leave both times blank for the whole day.")
    ends = forms.CharField(max_length=8, required=False, help_text='"24:00" means until midnight.')
    name = forms.CharField(max_length=100, required=False)

    def _time(self, field):
        value = self.cleaned_data.get(field, "").strip()
        if not value:
            return None
        try:
            return services.parse_time(value, field=field)
        except Invalid as exc:
            raise forms.ValidationError(exc.message)

    def clean_starts(self):
        return self._time("starts")

    def clean_ends(self):
        return self._time("ends")
