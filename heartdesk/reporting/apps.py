from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "heartdesk.reporting"
    label = "reporting"
    verbose_name = "Metrics and reports"

    def ready(self) -> None:
        from heartdesk.reporting import receivers  # noqa: F401  (changes to facts mark their days for the roll-ups)
