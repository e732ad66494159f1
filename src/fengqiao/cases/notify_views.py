"""Page: each person's notification preferences (texts and the daily digest)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.accounts import sms
from fengqiao.cases import notify_prefs
from fengqiao.core.errors import DomainError
from fengqiao.core.roles import Role


@login_required
def preferences(request):
    user, error, status = request.user, None, 200
    if request.method == "POST":
        try:
            notify_prefs.preferences_set(
                actor=user,
                user=user,
                phone=request.POST.get("phone", "").strip() or None,
                clear_phone=request.POST.get("clear_phone") == "on",
                **{flag: request.POST.get(flag) == "on" for flag in notify_prefs.FLAGS},
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("cases:notification_preferences")
    context = {
        "prefs": notify_prefs.preferences_of(user),
        "is_resident": user.role == Role.RESIDENT,
        "console_only": sms.delivers_to_console(),
        "error": error,
    }
    return render(request, "cases/notification_preferences.html", context, status=status)
