from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "heartdesk.tickets"
    label = "tickets"
    verbose_name = "Help desk"
