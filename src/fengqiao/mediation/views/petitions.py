"""Petition pages (信访): queues, register a visit, letter or call, and the petition page with
its limits, the petitioner's history and the action forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.cases import oversight, steps
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import views as case_views
from fengqiao.cases.views import staff_required
from fengqiao.core import clock
from fengqiao.core.errors import DomainError, NotFound
from fengqiao.core.listing import page_of
from fengqiao.core.roles import Role, has_role
from fengqiao.core.sorting import parse_sort, sort_links, sorted_by
from fengqiao.mediation import forms, petitions, selectors
from fengqiao.mediation.models import Petition, petition_overdue_q
from fengqiao.mediation.views.common import (
    ACTION_LABELS,
    petition_or_404,
    section,
    step_forms,
    timeline,
)
from fengqiao.regions import selectors as region_selectors
from fengqiao.registry import selectors as registry_selectors

PAGE_SIZE = 50
# Who takes in visits, letters and calls (the petition office's clerks are handlers).
REGISTER_ROLES = case_views.INTAKE_ROLES | {Role.HANDLER}
STAFF_FORMS = [Petition.Form.VISIT, Petition.Form.LETTER, Petition.Form.PHONE]


def with_overdue(qs):
    """Each petition marked overdue by the one rule (past a limit, not answered)."""
    return qs.annotate(
        is_overdue=ExpressionWrapper(petition_overdue_q(clock.now()), output_field=BooleanField())
    )


def _categories():
    return [
        c
        for c in case_selectors.category_choices()
        if c.parent is not None and c.parent.code == "petitions"
    ]


@staff_required
def queue(request):
    name = request.GET.get("queue", "")
    if name and name not in selectors.PETITION_QUEUES:
        raise Http404
    q = request.GET.get("q", "").strip()
    found = with_overdue(selectors.petition_list(actor=request.user, queue=name, q=q))
    sort = parse_sort(request.GET.get("sort"), selectors.PETITION_SORTS)
    found = sorted_by(found, sort, selectors.PETITION_SORTS)
    page, query = page_of(request, found, PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "queue": name,
        "now": clock.now(),
        "sort": sort,
        "sorts": sort_links(query, sort, selectors.PETITION_SORTS),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "mediation/_petition_rows.html", context)
    counts = {
        key: selectors.petition_list(actor=request.user, queue=key).count()
        for key in selectors.PETITION_QUEUES
    }
    tab_query = query.copy()
    tab_query.pop("queue", None)
    context.update(
        tabs=[
            (key, selectors.PETITION_QUEUE_LABELS[key], counts[key])
            for key in selectors.PETITION_QUEUES
        ],
        tab_query=tab_query.urlencode(),
        q=q,
        may_register=has_role(request.user, REGISTER_ROLES),
        **section("petitions"),
    )
    return render(request, "mediation/petitions.html", context)


def _dispute_id(actor, code: str) -> int | None:
    if not code:
        return None
    found = selectors.dispute_list(actor=actor).filter(case__code=code).first()
    if found is None:
        raise NotFound(_("Dispute not found."), field="dispute")
    return found.pk


@staff_required
def register(request):
    """Register a walk-in visit, a letter or a phone call."""
    if not has_role(request.user, REGISTER_ROLES):
        raise PermissionDenied
    villages = forms.intake_villages(request.user)
    error, status, data = None, 200, {"form": Petition.Form.VISIT, "visitors": "1"}
    if request.method == "POST":
        data = request.POST
        try:
            visitors = forms.optional_int(data, "visitors") or 1
            petition = petitions.petition_register(
                actor=request.user,
                form=forms.text(data, "form"),
                category_code=forms.text(data, "category"),
                title=forms.text(data, "title"),
                matter=forms.text(data, "matter"),
                petitioner_id=forms.optional_int(data, "petitioner"),
                petitioner_name=forms.text(data, "petitioner_name"),
                id_number=forms.text(data, "id_number"),
                phone=forms.text(data, "phone"),
                visitors=visitors,
                dispute_id=_dispute_id(request.user, forms.text(data, "dispute")),
                **forms.place(data, villages),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request, _("Petition %(code)s registered.") % {"code": petition.case.code}
            )
            return redirect("mediation:petition", petition.case.code)
    picked = forms.text(data, "petitioner")
    context = {
        "error": error,
        "data": data,
        "picked": (
            registry_selectors.person_list(actor=request.user).filter(pk=picked).first()
            if picked.isdigit()
            else None
        ),
        "forms_": [(f.value, f.label) for f in STAFF_FORMS],
        "categories": _categories(),
        "villages": villages,
        "area": region_selectors.map_area(request.user),
        **section("petitions"),
    }
    return render(request, "mediation/petition_new.html", context, status=status)


def _detail_context(request, petition, **form_state) -> dict:
    actor, case = request.user, petition.case
    overdue = with_overdue(selectors.petition_list(actor=actor)).filter(pk=petition.pk)
    return {
        "petition": petition,
        "case": case,
        "now": clock.now(),
        "is_overdue": overdue.values_list("is_overdue", flat=True).first(),
        "history": selectors.petition_history(actor=actor, petition=petition)[:20],
        "timeline": timeline(case),
        "oversight": oversight.case_oversight(case),
        "forms": step_forms(actor, case, "mediation:petition_act", **form_state),
        "failed_step": form_state.get("failed", ""),
        **section("petitions"),
    }


@staff_required
def detail(request, code: str):
    petition = petition_or_404(request.user, code)
    return render(request, "mediation/petition.html", _detail_context(request, petition))


@staff_required
@require_POST
def act(request, code: str, action: str):
    """Take one step on a petition, then go back — or show the error beside its form."""
    petition = petition_or_404(request.user, code)
    next_url = case_views.safe_next(request, reverse("mediation:petition", args=[code]))
    try:
        steps.perform(actor=request.user, case=petition.case, action=action, data=request.POST)
    except DomainError as exc:
        petition = petition_or_404(request.user, code)
        context = _detail_context(request, petition, error=exc, failed=action, data=request.POST)
        return render(request, "mediation/petition.html", context, status=exc.status)
    messages.success(
        request,
        _("%(action)s: done for %(code)s.")
        % {"action": ACTION_LABELS.get(action, action), "code": code},
    )
    return redirect(next_url)
