"""The resident's report at /h5/report/: pick a plain-language group and a category, set the
point, see open public cases of that kind nearby and say "me too" instead of filing again, or
file a new report. Anyone may fill it in: a visitor who is not signed in confirms their mobile
number with an SMS code before anything is filed or supported (report first, confirm after, as
FixMyStreet does); until then the report waits in their session (cases.held_reports)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.accounts.resident_signin import user_phone
from fengqiao.accounts.resident_views import phone_step
from fengqiao.cases import held_reports, metoo, resident_groups, views
from fengqiao.cases.attachments import case_attach
from fengqiao.cases.models import Case, Channel
from fengqiao.cases.resident_views import home_villages, resident_timeline
from fengqiao.cases.selectors import category_by_code
from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.redact import redact
from fengqiao.core.roles import Role
from fengqiao.regions import selectors as region_selectors
from fengqiao.regions.models import Region

SIGN_IN = "h5_signin:signin"


def _area(user) -> dict:
    """Where the map starts: the user's own area, else the first county (public outline)."""
    area = region_selectors.map_area(user)
    if area["lat"] is None:
        county = Region.objects.filter(level=Region.Level.COUNTY).order_by("code").first()
        if county is not None:
            area = {"lat": county.centroid_lat, "lng": county.centroid_lng, "outline": None}
    return area


def _file(*, actor, data, channel, client_id, villages=()):
    """case_report from the form; a resident's confirmed mobile number goes with it as the
    call-back number (the confirm page tells them so)."""
    fields = data.dict() if hasattr(data, "dict") else dict(data)
    phone = user_phone(actor)
    if phone:
        fields["callback_phone"] = phone
    return views.report_from_form(
        actor=actor, data=fields, channel=channel, villages=villages, client_id=client_id
    )


def _filed(request, case: Case, photo_problem: str = ""):
    if photo_problem:
        messages.error(request, _("The photos were not attached: %(why)s") % {"why": photo_problem})
    messages.success(request, _("Thank you. Your report %(code)s is in.") % {"code": case.code})
    return redirect("h5:case", case.code)


def report(request):
    error, data, status = None, {}, 200
    user = request.user
    villages = home_villages(user) if user.is_authenticated else []
    if request.method == "POST":
        data = request.POST
        photos = request.FILES.getlist("photo")
        try:
            if not user.is_authenticated:
                held_reports.report_hold(request, data=data, photos=photos)
                return redirect("h5:confirm")
            case = _file(
                actor=user,
                data=data,
                channel=Channel.PORTAL,
                client_id=(data.get("client_id") or "").strip()[:64] or None,
                villages=villages,
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            problem = ""
            if photos:
                try:
                    case_attach(actor=user, case_id=case.pk, files=photos)
                except DomainError as exc:
                    problem = str(exc.message)
            return _filed(request, case, problem)
    chosen = resident_groups.BY_KEY.get(data.get("group", "")) if data else None
    context = {
        "resident_groups": resident_groups.resident_groups(),
        "chosen_group": chosen.key if chosen else "",
        "area": _area(user),
        "home_village": villages[0] if villages else None,
        "client_id": uuid.uuid4().hex,
        "error": error,
        "data": data,
        "tab": "report",
    }
    return render(request, "h5/report.html", context, status=status)


def nearby(request):
    """The fragment of open public cases near a point for a group (fetched by the report
    page when the group or the point changes)."""
    group = request.GET.get("group", "")
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
    except ValueError:
        return render(request, "h5/_nearby.html", {"cases": [], "asked": False})
    cases = metoo.public_cases_near(
        lat=lat, lng=lng, category_codes=resident_groups.group_codes(group), actor=request.user
    )
    return render(request, "h5/_nearby.html", {"cases": cases, "asked": True})


def _release(request, user):
    """After the phone is confirmed: file the held report or add the held "me too"."""
    support = request.session.pop(held_reports.SUPPORT_KEY, None)
    if held_reports.held_report(request) is not None:
        case, problem = held_reports.report_file(request, actor=user, file_report=_file)
        return _filed(request, case, problem)
    if support:
        return _support(request, user, support)
    return redirect("h5:home")


def confirm(request):
    """Confirm the mobile number of a held report or "me too", then file it."""
    held = held_reports.held_report(request)
    support = request.session.get(held_reports.SUPPORT_KEY)
    if held is None and not support:
        return redirect("h5:report")
    context: dict
    if request.user.is_authenticated:
        if request.method == "POST" and request.POST.get("step") == "file":
            try:
                return _release(request, request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("h5:report")
        context = {"signed_in": True}
    else:
        user, context = phone_step(request)
        if user is not None:
            try:
                return _release(request, user)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("h5:report")
    category = category_by_code(held.get("category", "")) if held is not None else None
    context.update(held=held, support=support, category=category, tab="report", next="")
    return render(request, "h5/confirm.html", context, status=context.get("status", 200))


def _support(request, user, code: str):
    try:
        case = metoo.case_support(actor=user, case_id=metoo.public_case_id(code))
    except DomainError as exc:
        if exc.code in ("already_supported", "own_case"):
            messages.info(request, exc.message)
            return redirect("h5:following" if exc.code == "already_supported" else "h5:case", code)
        raise
    messages.success(
        request,
        _("Thank you. %(count)d people have said “me too”; you now follow this case.")
        % {"count": metoo.support_count(case)},
    )
    return redirect("h5:following", case.code)


def support(request, code: str):
    """“Me too” on a case near the point: at once for a resident, after the phone is
    confirmed for a visitor. Staff never support a case (403 on any method)."""
    user = request.user
    if user.is_authenticated and user.role != Role.RESIDENT:
        raise PermissionDenied
    return _support_post(request, code)


@require_POST
def _support_post(request, code: str):
    if not request.user.is_authenticated:
        held_reports.report_drop(request)  # "me too" instead of the report being written
        request.session[held_reports.SUPPORT_KEY] = code[:24]
        return redirect("h5:confirm")
    try:
        return _support(request, request.user, code)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("h5:report")


@login_required(login_url=SIGN_IN)
def following(request, code: str):
    """A case the resident follows by "me too": what the public may read, and its progress."""
    try:
        case = metoo.followed_case(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    steps = [step for step in resident_timeline(case) if step["action"] not in ("report", "rate")]
    context = {
        "case": case,
        "title": redact(case.title),
        "steps": steps,
        "supporters": metoo.support_count(case),
        "tab": "cases",
    }
    return render(request, "h5/following.html", context)
