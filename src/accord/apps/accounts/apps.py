from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accord.apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
