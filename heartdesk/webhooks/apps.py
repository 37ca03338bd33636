from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "heartdesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
