"""Workbench page of 党员联户 (/fieldwork/party-contacts/): the party members and their
households with the latest contact; centre staff assign a member's households (chosen in a
grid) and anyone in reach records a contact on the member's behalf."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.core.roles import has_role
from fengqiao.fieldwork import groups_selectors, party_contacts
from fengqiao.fieldwork.groups_views import _grids, _ids
from fengqiao.registry.models import Household, Person


def _one(raw: str, field: str) -> int:
    ids = _ids([raw or ""])
    if not ids:
        raise ValidationFailed(_("Choose one."), field=field)
    return ids[0]


def _post(request) -> str:
    data = request.POST
    if data.get("action") == "visit":
        party_contacts.contact_visit_record(
            actor=request.user,
            contact_id=_one(data.get("contact"), "contact"),
            household_id=_one(data.get("household"), "household"),
            note=data.get("note", "")[:4000],
            client_id=(data.get("client_id") or "").strip()[:64] or None,
        )
        return _("The contact is recorded.")
    party_contacts.contact_set(
        actor=request.user,
        member_id=_one(data.get("member"), "member"),
        household_ids=_ids(data.getlist("households")),
    )
    return _("The party member's households are saved.")


@staff_required
def party_contact_list(request):
    error, status = None, 200
    if request.method == "POST":
        try:
            text = _post(request)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, text)
            return redirect("fieldwork:party_contacts")
    grid_code = request.GET.get("grid", "")
    grid = _grids(request.user).filter(code=grid_code).first() if grid_code else None
    people, homes = [], []
    if grid is not None:
        people = Person.objects.visible_to(request.user).filter(region_code__startswith=grid.code)
        homes = (
            Household.objects.visible_to(request.user)
            .filter(region_code__startswith=grid.code)
            .select_related("head")
            .order_by("number")[:200]
        )
    contacts = groups_selectors.party_contact_list(actor=request.user).prefetch_related(
        "households__head"
    )
    return render(
        request,
        "fieldwork/party_contacts.html",
        {
            "contacts": contacts,
            "grids": _grids(request.user),
            "grid": grid,
            "people": people.order_by("name")[:300] if grid else [],
            "homes": homes,
            "may_assign": has_role(request.user, party_contacts.CONTACT_ROLES),
            "error": error,
        },
        status=status,
    )
