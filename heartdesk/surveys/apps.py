from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "heartdesk.surveys"
    label = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from heartdesk.surveys import receivers  # noqa: F401  (ticket solved / reopened -> invitations)
