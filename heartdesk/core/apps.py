from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "heartdesk.core"
    label = "core"
