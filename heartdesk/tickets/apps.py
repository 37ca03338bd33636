from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "heartdesk.tickets"
    label = "tickets"
    verbose_name = "Help desk"

    def ready(self) -> None:
        from heartdesk.tickets.mail import outbound  # noqa: F401  (how notifications about tickets are mailed)
