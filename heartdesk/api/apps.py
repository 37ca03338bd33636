from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "heartdesk.api"
    label = "api"
