"""Workbench pages for notices: the list, a new notice, one notice (edit, publish, withdraw)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.listing import page_of
from fengqiao.core.roles import has_role
from fengqiao.participation import selectors, services
from fengqiao.participation.models import Category, Status

PAGE_SIZE = 50


def _notice_or_404(actor, notice_id: int):
    try:
        return selectors.notice_get_for_staff(actor=actor, notice_id=notice_id)
    except NotFound as exc:
        raise Http404 from exc


def _text_fields(data) -> dict:
    return {
        "category": data.get("category", ""),
        "title": data.get("title", ""),
        "body": data.get("body", ""),
        "is_pinned": bool(data.get("is_pinned")),
    }


def _form_context(actor, **extra) -> dict:
    return {
        "categories": Category.choices,
        "regions": selectors.notice_regions_for_staff(actor=actor),
        **extra,
    }


@login_required
def notice_list(request):
    filters = {
        "status": request.GET.get("status", ""),
        "category": request.GET.get("category", ""),
        "q": request.GET.get("q", "").strip(),
    }
    notices = selectors.notice_list_for_staff(actor=request.user, **filters)
    page, query = page_of(request, notices, PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "filters": filters,
        "statuses": Status.choices,
        "categories": Category.choices,
        "may_write": has_role(request.user, services.WRITER_ROLES),
    }
    return render(request, "participation/notices.html", context)


@login_required
def notice_new(request):
    if not has_role(request.user, services.WRITER_ROLES):
        raise PermissionDenied
    error, data, status = None, {}, 200
    if request.method == "POST":
        data = request.POST
        try:
            notice = services.notice_create(
                actor=request.user, region_code=data.get("region_code", ""), **_text_fields(data)
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The notice is saved as a draft."))
            return redirect("participation:notice", notice.pk)
    context = _form_context(request.user, error=error, data=data)
    return render(request, "participation/notice_form.html", context, status=status)


@login_required
def notice_page(request, notice_id: int):
    notice = _notice_or_404(request.user, notice_id)
    error, data, status = None, None, 200
    if request.method == "POST":
        data = request.POST
        try:
            notice = services.notice_update(
                actor=request.user, notice_id=notice.pk, **_text_fields(data)
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The notice is saved."))
            return redirect("participation:notice", notice.pk)
    context = _form_context(
        request.user,
        notice=notice,
        events=notice.events.select_related("actor"),
        may_write=has_role(request.user, services.WRITER_ROLES),
        error=error,
        data=data or {**_text_fields({}), **_notice_fields(notice)},
    )
    return render(request, "participation/notice_form.html", context, status=status)


def _notice_fields(notice) -> dict:
    return {
        "category": notice.category,
        "title": notice.title,
        "body": notice.body,
        "is_pinned": notice.is_pinned,
        "region_code": notice.region_code,
    }


@login_required
@require_POST
def notice_act(request, notice_id: int):
    """Publish or withdraw (the `action` field)."""
    notice = _notice_or_404(request.user, notice_id)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.notice_publish(actor=request.user, notice_id=notice.pk)
            messages.success(request, _("The notice is published."))
        elif action == "withdraw":
            services.notice_withdraw(
                actor=request.user, notice_id=notice.pk, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The notice is withdrawn."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("participation:notice", notice.pk)
