from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`heartdesk demo`: every app's demo data, loaded in order (it sits above every app, so it may import them)."""

    name = "heartdesk.demo"
    label = "demo"
    verbose_name = "Demo data"
