"""A party member's page in the grid app (/m/visits/party/): their contact households (党员联户)
with the latest contact of each, and a form per household to record one. With JavaScript the
contact is queued in the phone's outbox and sent through the API; without, the form posts here."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fengqiao.cases.views import staff_required
from fengqiao.core.errors import DomainError, ValidationFailed
from fengqiao.fieldwork import groups_selectors, party_contacts


def _int(raw, field: str) -> int:
    raw = str(raw or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed(_("Choose one."), field=field)
    return int(raw)


@staff_required
def party(request):
    error, status = None, 200
    if request.method == "POST":
        data = request.POST
        try:
            party_contacts.contact_visit_record(
                actor=request.user,
                contact_id=_int(data.get("contact"), "contact"),
                household_id=_int(data.get("household_id"), "household_id"),
                note=data.get("note", "")[:4000],
                client_id=(data.get("client_id") or "").strip()[:64] or None,
            )
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, _("The contact is recorded."))
            return redirect("fieldwork_m:party")
    return render(
        request,
        "fieldwork/m_party.html",
        {
            "contacts": groups_selectors.my_party_contacts(actor=request.user),
            "client_id": uuid.uuid4().hex,
            "error": error,
            "tab": "visits",
        },
        status=status,
    )
