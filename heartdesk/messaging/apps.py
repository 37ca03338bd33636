from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "heartdesk.messaging"
    label = "messaging"
    verbose_name = "Mail and notifications"
