from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "heartdesk.calendars"
    label = "calendars"
    verbose_name = "Business calendars"
