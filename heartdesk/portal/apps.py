from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "heartdesk.portal"
    label = "portal"
    verbose_name = "Customer portal"
