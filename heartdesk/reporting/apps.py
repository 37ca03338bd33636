from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "heartdesk.reporting"
    label = "reporting"
    verbose_name = "Metrics and reports"

    def ready(self) -> None:
        from heartdesk.core import facts
        from heartdesk.reporting.facts import RollupFacts

        facts.register(RollupFacts())  # writes of KPI facts mark their days for the roll-ups
