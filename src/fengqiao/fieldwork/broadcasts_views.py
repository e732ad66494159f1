"""Workbench pages of the broadcasts to group heads (/fieldwork/groups/broadcasts/): the list
with how many groups read and passed each on, the form to send one, and one broadcast with
its receipt per group."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import broadcasts, groups_selectors

PAGE_SIZE = 30


@staff_required
def broadcast_list(request):
    error, status = None, 200
    may_send = has_role(request.user, broadcasts.BROADCAST_ROLES)
    if request.method == "POST":
        try:
            sent = broadcasts.broadcast_send(
                actor=request.user,
                region_code=request.POST.get("region_code", ""),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Sent to the heads of the groups."))
            return redirect("fieldwork:broadcast", sent.pk)
    rows = groups_selectors.broadcast_list(actor=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "fieldwork/broadcasts.html",
        {
            "page": page,
            "query": {},
            "may_send": may_send,
            "default_area": (request.user.scope_prefixes() or [""])[0],
            "error": error,
        },
        status=status,
    )


@staff_required
def broadcast_detail(request, broadcast_id: int):
    try:
        broadcast = groups_selectors.broadcast_get(actor=request.user, broadcast_id=broadcast_id)
    except NotFound as exc:
        raise Http404 from exc
    receipts = broadcast.receipts.select_related("group", "head").order_by("group__code")
    return render(
        request, "fieldwork/broadcast.html", {"broadcast": broadcast, "receipts": receipts}
    )
