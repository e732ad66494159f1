"""Pages: a resident's own data on /h5/me/ with a correction request, and the centre's list
of correction requests at /registry/corrections/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.errors import DomainError, NotAllowed, NotFound
from fengqiao.core.roles import has_role
from fengqiao.registry import corrections
from fengqiao.registry.models import CorrectionRequest


@login_required
def my_data(request):
    """What is held about me: my record, my visible tags, who revealed or exported it."""
    try:
        person = corrections.own_person(request.user)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    error, data, status = None, {}, 200
    if request.method == "POST":
        data = request.POST
        try:
            corrections.correction_request_create(
                actor=request.user,
                field=data.get("field", ""),
                requested_value=data.get("requested_value", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Your request was sent to the centre."))
            return redirect("h5_me:home")
    context = {
        "person": person,
        "tags": corrections.own_tags(actor=request.user, person=person),
        "history": corrections.access_history(person=person),
        "requests": person.corrections.all()[:20],
        "fields": CorrectionRequest.Field.choices,
        "error": error,
        "data": data,
        "tab": "me",
    }
    return render(request, "registry/resident/me.html", context, status=status)


@login_required
def correction_list(request):
    """Open (or handled) correction requests in the caller's jurisdiction."""
    if not has_role(request.user, corrections.CORRECTION_ROLES):
        raise Http404
    status = request.GET.get("status", CorrectionRequest.Status.OPEN)
    if status not in CorrectionRequest.Status.values:
        status = CorrectionRequest.Status.OPEN
    context = {
        "requests": corrections.correction_list(actor=request.user, status=status)[:200],
        "status": status,
        "statuses": CorrectionRequest.Status.choices,
    }
    return render(request, "registry/corrections.html", context)


@login_required
@require_POST
def correction_resolve(request, request_id: int):
    try:
        corrections.correction_resolve(
            actor=request.user,
            request_id=request_id,
            status=request.POST.get("status", ""),
            reply=request.POST.get("reply", ""),
        )
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The request was marked handled."))
    return redirect("registry:corrections")
