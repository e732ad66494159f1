"""Residents' pages at /h5/signin/: sign in with a mobile number and an SMS code, then bind the
account to one's registry record by name and ID number."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from fengqiao.accounts import otp, resident_signin, sms
from fengqiao.core.errors import DomainError
from fengqiao.core.http import client_ip
from fengqiao.core.roles import Role

PORTAL = "/h5/"


def phone_step(request) -> tuple[object | None, dict]:
    """The two posts of SMS sign-in, for any page that asks for the phone: `step=send` asks
    for a code, `step=verify` checks it and signs the resident in. Returns the user signed in
    (None until then) and the context of `accounts/h5/_phone_step.html`."""
    context = {
        "phone": "",
        "code_sent": False,
        "errors": {},
        "to_console": sms.delivers_to_console(),
        "status": 200,
        "created": False,
    }
    if request.method != "POST":
        return None, context
    step = request.POST.get("step", "")
    phone = request.POST.get("phone", "")
    context["phone"] = "".join(ch for ch in phone if ch.isdigit() or ch == "+")[:16]
    try:
        if step == "send":
            context["sent"] = otp.code_request(phone=phone, ip=client_ip(request))
            context["code_sent"] = True
        elif step == "verify":
            context["code_sent"] = True
            user, context["created"] = resident_signin.resident_sign_in(
                phone=phone, code=request.POST.get("code", "")
            )
            login(request, user)
            return user, context
    except DomainError as exc:
        context["errors"][exc.field or "phone"] = exc.message
        context["status"] = exc.status
        if exc.field == "phone":
            context["code_sent"] = False
    return None, context


def _next(request) -> str:
    """Where to go after signing in: a path on this site, else the portal."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return PORTAL


def signin(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next(request))
    user, context = phone_step(request)
    if user is not None:
        if user.person_id is None:
            messages.success(
                request, _("You are signed in. Bind your registry record to use every service.")
            )
            return redirect(f"{reverse('h5_signin:bind')}?{urlencode({'next': _next(request)})}")
        return redirect(_next(request))
    context.update(next=_next(request), tab="")
    return render(request, "accounts/h5/signin.html", context, status=context["status"])


@login_required(login_url="h5_signin:signin")
def bind(request):
    if request.user.role != Role.RESIDENT:
        raise PermissionDenied
    if request.user.person_id is not None:
        return redirect(_next(request))
    errors, status, data = {}, 200, {}
    if request.method == "POST":
        data = {"name": request.POST.get("name", "")[:50]}
        try:
            person = resident_signin.resident_bind(
                actor=request.user,
                name=request.POST.get("name", ""),
                id_number=request.POST.get("id_number", ""),
                ip=client_ip(request),
            )
        except DomainError as exc:
            errors[exc.field or "id_number"], status = exc.message, exc.status
        else:
            messages.success(
                request,
                _("Your account is bound to the record of %(name)s.") % {"name": person.name},
            )
            return redirect(_next(request))
    context = {"errors": errors, "data": data, "next": _next(request), "tab": ""}
    return render(request, "accounts/h5/bind.html", context, status=status)
