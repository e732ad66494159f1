"""App config for accounts, roles and jurisdiction bindings."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fengqiao.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib import admin

        from fengqiao.accounts.forms import ThrottledAdminLoginForm

        # /admin/login/ is one more door of the sign-in throttle; this form names the refusal.
        admin.site.login_form = ThrottledAdminLoginForm
