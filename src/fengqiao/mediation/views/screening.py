"""Screening pages: rounds with their coverage, opening rounds, and a round's grid reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.core.roles import has_role
from fengqiao.mediation import forms, screening, selectors
from fengqiao.mediation.views.common import section
from fengqiao.regions import selectors as region_selectors

PAGE_SIZE = 50


def _open_regions(actor) -> list:
    """Where the user may open rounds: the regions they are bound to (all for an admin)."""
    if actor.is_superuser:
        return list(region_selectors.region_list(actor=actor, level="county"))
    return [b.region for b in actor.bindings.select_related("region") if b.region_id]


@staff_required
def rounds(request):
    """Screening rounds with coverage (grids reported of all), findings and "nothing found"."""
    may_open = has_role(request.user, screening.OPENERS)
    regions = _open_regions(request.user) if may_open else []
    error, status, data = None, 200, {}
    if request.method == "POST" and may_open:
        data = request.POST
        try:
            region = next((r for r in regions if r.code == forms.text(data, "region")), None)
            if region is None:
                raise ValidationFailed(_("Choose a region."), field="region")
            starts_on = forms.optional_date(data.get("starts_on", ""), "starts_on")
            ends_on = forms.optional_date(data.get("ends_on", ""), "ends_on")
            if starts_on is None or ends_on is None:
                field = "starts_on" if starts_on is None else "ends_on"
                raise ValidationFailed(_("Give both dates."), field=field)
            opened = screening.screening_rounds_open(
                actor=request.user, region=region, starts_on=starts_on, ends_on=ends_on
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d screening round is open.",
                    "%(n)d screening rounds are open.",
                    len(opened),
                )
                % {"n": len(opened)},
            )
            return redirect("mediation:screening")
    found = selectors.screening_rounds(actor=request.user).order_by("-starts_on", "region_code")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": request.GET.copy(),
        "may_open": may_open,
        "regions": regions,
        "error": error,
        "data": data,
        **section("screening"),
    }
    return render(request, "mediation/screening.html", context, status=status)


@staff_required
def round_page(request, round_id: int):
    """One round: the reports filed, the grids still missing, and the report form."""
    rounds = selectors.screening_rounds(actor=request.user).select_related("campaign")
    found = rounds.filter(pk=round_id).first()
    if found is None:
        raise Http404
    may_report = has_role(request.user, screening.REPORTERS)
    error, status, data = None, 200, QueryDict()
    if request.method == "POST" and may_report:
        data = request.POST
        try:
            screening.screening_report_file(
                actor=request.user,
                round_id=found.pk,
                grid_id=forms.required_int(data, "grid", _("Choose a grid."), field="grid"),
                nothing_found=forms.checked(data, "nothing_found"),
                note=forms.text(data, "note"),
                dispute_ids=[int(v) for v in data.getlist("disputes") if v.isdigit()],
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("Screening report filed."))
            return redirect("mediation:screening_round", found.pk)
    missing = selectors.screening_missing_grids(screening_round=found)
    # Unreported disputes of the round's village, to list as findings.
    candidates = selectors.dispute_list(actor=request.user).filter(
        case__village_id=found.village_id, screening_report__isnull=True
    )
    context = {
        "round": found,
        "reports": selectors.screening_reports(actor=request.user, screening_round=found),
        "missing": missing,
        "progress": selectors.screening_progress(actor=request.user, screening_round=found),
        "candidates": candidates[:100],
        "may_report": may_report,
        "error": error,
        "data": data,
        "chosen": data.getlist("disputes") if error else [],
        **section("screening"),
    }
    return render(request, "mediation/screening_round.html", context, status=status)
