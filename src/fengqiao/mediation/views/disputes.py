"""Dispute pages of the mediation workbench: queues, register, the dispute page with the forms
of the steps its table offers the reader, and the agreement download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fengqiao.cases import oversight, steps, workflow
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import views as case_views
from fengqiao.cases.models import Kind, Status
from fengqiao.cases.views import staff_required
from fengqiao.core import clock
from fengqiao.core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.core.listing import page_of
from fengqiao.core.roles import Role, has_role
from fengqiao.core.sorting import parse_sort, sort_links, sorted_by
from fengqiao.mediation import agreements, forms, selectors, services
from fengqiao.mediation import workflow as mediation_workflow
from fengqiao.mediation.models import (
    DisputeParty,
    DisputeType,
    RiskGrade,
    RiskReason,
    Source,
)
from fengqiao.mediation.views.common import (
    ACTION_LABELS,
    dispute_or_404,
    section,
    step_forms,
    timeline,
)
from fengqiao.regions import selectors as region_selectors
from fengqiao.registry import selectors as registry_selectors

PAGE_SIZE = 50
# Who registers disputes on the workbench (residents apply on the portal).
REGISTER_ROLES = case_views.INTAKE_ROLES | {Role.MEDIATOR, Role.LEGAL_ADVISOR}
STAFF_SOURCES = [Source.WALK_IN, Source.SCREENING, Source.POLICE, Source.COURT, Source.PETITION]

# --- queues and register ----------------------------------------------------------------------


@staff_required
def queue(request):
    """The dispute queues as tabs with counts; filters narrow the rows through HTMX."""
    name = request.GET.get("queue", "")
    if name and name not in selectors.DISPUTE_QUEUES:
        raise Http404
    filters = {
        key: request.GET.get(key, "").strip()
        for key in ("q", "dispute_type", "risk_grade", "status")
    }
    disputes = selectors.dispute_list(actor=request.user, queue=name, **filters).prefetch_related(
        "parties"
    )
    sort = parse_sort(request.GET.get("sort"), selectors.DISPUTE_SORTS)
    disputes = sorted_by(disputes, sort, selectors.DISPUTE_SORTS)
    page, query = page_of(request, disputes, PAGE_SIZE)
    may_bulk = has_role(request.user, mediation_workflow.MEDIATION_DESK)
    context = {
        "page": page,
        "query": query,
        "queue": name,
        "now": clock.now(),
        "sort": sort,
        "sorts": sort_links(query, sort, selectors.DISPUTE_SORTS),
        "may_bulk": may_bulk,
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "mediation/_dispute_rows.html", context)
    counts = selectors.dispute_queue_counts(actor=request.user)
    tab_query = query.copy()
    tab_query.pop("queue", None)
    context.update(
        tabs=[
            (key, selectors.DISPUTE_QUEUE_LABELS[key], counts[key])
            for key in selectors.DISPUTE_QUEUES
        ],
        tab_query=tab_query.urlencode(),
        filters=filters,
        types=DisputeType.choices,
        grades=RiskGrade.choices,
        statuses=Status.choices,
        may_register=has_role(request.user, REGISTER_ROLES),
        bulk_mediators=selectors.mediator_choices(actor=request.user) if may_bulk else [],
        **section("disputes"),
    )
    return render(request, "mediation/disputes.html", context)


def _origin_case(request):
    """The general case being upgraded to a dispute (`?origin=SJ…`), seen by the actor."""
    code = request.GET.get("origin") or request.POST.get("origin")
    if not code:
        return None
    origin = (
        case_selectors.case_list(actor=request.user)
        .filter(code=code, kind=Kind.GENERAL)
        .select_related("category", "village")
        .first()
    )
    if origin is None:
        raise Http404
    return origin


def _upgrade_data(origin) -> dict:
    """The register form filled from the case being upgraded."""
    return {
        "source": Source.CASE_UPGRADE,
        "title": origin.title,
        "description": origin.description,
        "dispute_type": origin.category.code if origin.category.code in DisputeType.values else "",
        "lat": origin.lat if origin.lat is not None else "",
        "lng": origin.lng if origin.lng is not None else "",
        "village": origin.village.code if origin.lat is None else "",
        "address": origin.address,
    }


@staff_required
def person_search(request):
    """Registry people matching a name, ID or phone, as radio buttons for one party block."""
    slot = request.GET.get("slot", "0")
    if slot not in ("0", "1", "2", "petitioner"):
        raise Http404
    q = request.GET.get(f"party-{slot}-q" if slot.isdigit() else "petitioner-q", "")
    q = q or request.GET.get("q", "")
    people = registry_selectors.person_list(actor=request.user, q=q)[:8] if q.strip() else []
    name = f"party-{slot}-person" if slot.isdigit() else "petitioner"
    return render(
        request, "mediation/_person_results.html", {"people": people, "name": name, "q": q}
    )


def _party_blocks(actor, data, error, slots) -> list[dict]:
    """The three party blocks of the form, refilled after an error (with the person picked)."""
    at = forms.party_slot(error.field if error else None, slots)
    blocks = []
    for index, side in enumerate(forms.PARTY_SLOTS):
        picked = forms.text(data, f"party-{index}-person")
        person = (
            registry_selectors.person_list(actor=actor).filter(pk=picked).first()
            if picked.isdigit()
            else None
        )
        blocks.append(
            {
                "index": index,
                "side": side,
                "label": DisputeParty.Side(side).label,
                "person": person,
                "error": error if at == index else None,
                "values": {
                    key: forms.text(data, f"party-{index}-{key}")
                    for key in ("name", "phone", "address", "side", "q")
                },
            }
        )
    return blocks


@staff_required
def register(request):
    """Register a dispute from a walk-in, screening or a referral in."""
    if not has_role(request.user, REGISTER_ROLES):
        raise PermissionDenied
    villages = forms.intake_villages(request.user)
    slots: list = []
    error, status, data = None, 200, {"source": Source.WALK_IN}
    origin = _origin_case(request)
    if origin is not None and request.method != "POST":
        data = _upgrade_data(origin)
    if request.method == "POST":
        data = request.POST
        try:
            parties, slots = forms.parties(data)
            dispute_type = forms.text(data, "dispute_type")
            dispute = services.dispute_register(
                actor=request.user,
                dispute_type=dispute_type,
                # Without a title the case is named by its type, as the agreement names it.
                title=forms.text(data, "title") or agreements.TYPE_NAMES.get(dispute_type, ""),
                source=forms.text(data, "source"),
                parties=parties,
                description=forms.text(data, "description"),
                amount=forms.text(data, "amount") or None,
                risk_grade=forms.text(data, "risk_grade") or RiskGrade.GENERAL,
                risk_reasons=data.getlist("risk_reasons"),
                risk_note=forms.text(data, "risk_note"),
                origin_case_id=origin.pk if origin is not None else None,
                **forms.place(data, villages),
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(
                request, _("Dispute %(code)s registered.") % {"code": dispute.case.code}
            )
            return redirect("mediation:dispute", dispute.case.code)
    context = {
        "error": error,
        "data": data,
        "party_blocks": _party_blocks(request.user, data, error, slots),
        "party_error": error if error and error.field == "parties" else None,
        "sources": [(s.value, s.label) for s in STAFF_SOURCES]
        + ([(Source.CASE_UPGRADE.value, Source.CASE_UPGRADE.label)] if origin else []),
        "origin": origin,
        "types": DisputeType.choices,
        "grades": RiskGrade.choices,
        "reasons": RiskReason.choices,
        "chosen_reasons": data.getlist("risk_reasons") if hasattr(data, "getlist") else [],
        "villages": villages,
        "area": region_selectors.map_area(request.user),
        **section("disputes"),
    }
    return render(request, "mediation/dispute_new.html", context, status=status)


# --- the dispute page -------------------------------------------------------------------------


def _agreement(dispute):
    try:
        return dispute.agreement
    except ObjectDoesNotExist:
        return None


def _detail_context(request, dispute, **form_state) -> dict:
    actor, case = request.user, dispute.case
    forms = step_forms(actor, case, "mediation:dispute_act", **form_state)
    follow_ups = list(dispute.follow_ups.select_related("done_by"))
    if all(f.done_at is not None for f in follow_ups):
        forms = [f for f in forms if f["action"] != "follow_up"]  # none is due
    return {
        "dispute": dispute,
        "case": case,
        "now": clock.now(),
        "deadline": case_views.deadline_state(case),
        "parties": dispute.parties.select_related("person"),
        "sessions": list(dispute.sessions.select_related("mediator")),
        "agreement": _agreement(dispute),
        "referrals": dispute.referrals.select_related("to_unit", "from_unit"),
        "follow_ups": follow_ups,
        "petitions": dispute.petitions.select_related("case"),
        "risk_reasons": [RiskReason(r).label for r in dispute.risk_reasons if r in RiskReason],
        "timeline": timeline(case),
        "oversight": oversight.case_oversight(case),
        "forms": forms,
        "failed_step": form_state.get("failed", ""),
        "suggestions": (
            selectors.mediator_suggestions(actor=actor, dispute=dispute, limit=8)
            if any(f["action"] == "assign" for f in forms)
            else []
        ),
        "may_download": actor.role != Role.RESIDENT or actor.is_superuser,
        **section("disputes"),
    }


@staff_required
def detail(request, code: str):
    dispute = dispute_or_404(request.user, code)
    return render(request, "mediation/dispute.html", _detail_context(request, dispute))


def _take(actor, dispute, action: str, request) -> None:
    """Take one step through the table; the signed agreement, a file, goes to its service."""
    if action != "agreement_signed":
        steps.perform(actor=actor, case=dispute.case, action=action, data=request.POST)
        return
    workflow.step(dispute.case, action, actor)  # role, person and state first: 403/409
    upload = request.FILES.get("signed")
    if upload is None:
        raise ValidationFailed(_("Choose the scanned, signed agreement."), field="signed")
    agreements.agreement_upload_signed(actor=actor, dispute_id=dispute.pk, upload=upload)


@staff_required
@require_POST
def act(request, code: str, action: str):
    """Take one step on a dispute, then go back (`next`) — or show the error beside its form."""
    dispute = dispute_or_404(request.user, code)
    next_url = case_views.safe_next(request, reverse("mediation:dispute", args=[code]))
    try:
        _take(request.user, dispute, action, request)
    except DomainError as exc:
        dispute = dispute_or_404(request.user, code)  # fresh: the service rolled back
        context = _detail_context(request, dispute, error=exc, failed=action, data=request.POST)
        return render(request, "mediation/dispute.html", context, status=exc.status)
    messages.success(
        request,
        _("%(action)s: done for %(code)s.")
        % {"action": ACTION_LABELS.get(action, action), "code": code},
    )
    return redirect(next_url)


@staff_required
def agreement_download(request, code: str):
    """The agreement as DOCX, built from the stored rows; each download is logged."""
    dispute = dispute_or_404(request.user, code)
    try:
        name, content = agreements.agreement_download(
            actor=request.user, dispute_id=dispute.pk, ip=client_ip(request)
        )
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from exc
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
