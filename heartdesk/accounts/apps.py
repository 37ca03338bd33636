from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "heartdesk.accounts"
    label = "accounts"
