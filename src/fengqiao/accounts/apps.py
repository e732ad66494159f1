"""App config for accounts, roles and jurisdiction bindings."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fengqiao.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_out

        from fengqiao.accounts.forms import ThrottledAdminLoginForm

        # /admin/login/ is one more door of the sign-in throttle; this form names the refusal.
        admin.site.login_form = ThrottledAdminLoginForm
        # Every sign-out (pages, /admin/) ends the user's API tokens too.
        user_logged_out.connect(_revoke_tokens_on_logout, dispatch_uid="fengqiao.revoke_tokens")


def _revoke_tokens_on_logout(sender, request, user, **kwargs) -> None:
    from fengqiao.accounts.services import token_revoke_all

    if user is not None:
        token_revoke_all(user=user)
