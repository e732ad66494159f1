"""The grid app's campaign page (/m/visits/campaigns/): the open items in the worker's reach,
by campaign, each with its checklist and the buttons checked / not found / problem. With
JavaScript a tick is queued in the phone's outbox and sent through the API (works without
signal); without, the card posts here with the same client id."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.campaigns import selectors, services
from fengqiao.campaigns.targets import RaiseCase
from fengqiao.cases import views as case_views
from fengqiao.core.errors import DomainError


@case_views.staff_required
def campaigns(request):
    groups = selectors.my_items(actor=request.user)
    for group in groups:
        for item in group.items:
            item.client_id = uuid.uuid4().hex
    return render(
        request,
        "fieldwork/m_campaigns.html",
        {
            "groups": groups,
            "count": sum(len(g.items) for g in groups),
            "categories": case_views.grouped_categories(),
            "tab": "visits",
        },
    )


@case_views.staff_required
def check(request, item_id: int):
    if not selectors.item_visible(actor=request.user, item_id=item_id):
        raise Http404
    if request.method != "POST":
        return redirect("fieldwork_m:campaigns")
    data = request.POST
    category = data.get("case_category", "").strip()
    try:
        checklist = data.getlist("yes")
        item = services.item_check(
            actor=request.user,
            item_id=item_id,
            result=data.get("result", ""),
            answers={index: True for index in checklist if index.isdigit()},
            note=data.get("note", ""),
            client_id=(data.get("client_id") or "").strip()[:64] or None,
            raise_case=RaiseCase(category=category, title=data.get("case_title", ""))
            if category
            else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(item)s checked.") % {"item": item.target_label})
    return redirect("fieldwork_m:campaigns")
