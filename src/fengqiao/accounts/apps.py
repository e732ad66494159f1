"""App config for accounts, roles and jurisdiction bindings."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fengqiao.accounts"
    label = "accounts"
    verbose_name = "Accounts"
