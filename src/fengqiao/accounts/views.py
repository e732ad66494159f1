"""Pages: sign-in, sign-out, password change, and the home page for each role."""

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.accounts import menus, selectors, services
from fengqiao.core.errors import DomainError


def login_view(request):
    error = None
    status = 200
    username = ""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            user = services.login_check(
                request=request,
                username=username,
                password=request.POST.get("password", ""),
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            login(request, user)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = ""
            return redirect(next_url or "home")
    return render(
        request,
        "accounts/login.html",
        {"error": error, "username": username, "next": next_url},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change(request):
    errors = {}
    if request.method == "POST":
        try:
            services.user_change_password(
                user=request.user,
                old_password=request.POST.get("old_password", ""),
                new_password=request.POST.get("new_password", ""),
            )
        except DomainError as exc:
            errors[exc.field] = exc.message
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"errors": errors})


@login_required
def home(request):
    """Each role lands on its work: some on a page of their own (accounts.menus.LANDINGS), the
    others here, on the panels of their role (queues with counts, a mediator's week)."""
    landing = menus.landing_for(request.user)
    if landing:
        return redirect(landing)
    return render(request, "accounts/home.html", selectors.home_summary(user=request.user))
