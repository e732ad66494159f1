"""The /admin/ sign-in form, which says so when the sign-in throttle refused the attempt."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from fengqiao.accounts import throttling
from fengqiao.accounts.services import Throttled


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    def get_invalid_login_error(self):
        if throttling.refused_seconds(self.request):
            return ValidationError(Throttled.default_message, code="throttled")
        return super().get_invalid_login_error()
