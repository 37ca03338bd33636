from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "heartdesk.customers"
    label = "customers"
