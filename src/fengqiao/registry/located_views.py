"""Pages of organisations, places and facilities: list with search and filters, detail, create
and edit forms, XLSX export, a facility's status, an organisation's contact phone revealed.

One set of views serves the three kinds; `KINDS` says what differs. The detail page links to
the fieldwork pages (record a visit on the phone, the row's visits) by URL name only: the
registry does not import fieldwork."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fengqiao.core.errors import DomainError, NotFound, ValidationFailed
from fengqiao.core.http import client_ip
from fengqiao.core.roles import REGISTRY_EDIT_ROLES, REGISTRY_EXPORT_ROLES, REVEAL_ROLES, has_role
from fengqiao.regions import selectors as region_selectors
from fengqiao.regions.models import Region
from fengqiao.registry import located, located_exporter, selectors
from fengqiao.registry.models import Facility, Organization, Place
from fengqiao.registry.views import get_or_404, list_page, xlsx_download


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    kind: str = "text"  # text, tel, number, select
    max_length: int = 100
    choices: Any = None


@dataclass(frozen=True)
class Kind:
    key: str  # the URL segment and the import kind: organizations, places, facilities
    model: type
    title: Any
    one: Any
    new_title: Any
    search_hint: Any
    get: Any
    list: Any
    export: Any
    create: Any
    update: Any
    fields: tuple[Field, ...]
    one_key: str = ""  # the singular in URL names and the id argument: place, place_id
    visit_target: str = ""  # the fieldwork visit target ("place", "organization") if any

    @property
    def kinds(self):
        return self.model.Kind.choices

    @property
    def list_url(self) -> str:
        return f"registry:{self.key}"

    @property
    def new_url(self) -> str:
        return f"registry:{self.key}_new"

    @property
    def export_url(self) -> str:
        return f"registry:{self.key}_export"

    @property
    def detail_url(self) -> str:
        return f"registry:{self.one_key}"

    @property
    def edit_url(self) -> str:
        return f"registry:{self.one_key}_edit"


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


def _address(model) -> Field:
    return Field("address", _label(model, "address"), max_length=200)


KINDS = {
    "organizations": Kind(
        key="organizations",
        model=Organization,
        title=gettext_lazy("Organisations"),
        one=gettext_lazy("organisation"),
        new_title=gettext_lazy("New organisation"),
        search_hint=gettext_lazy("Name or address"),
        get=lambda actor, pk: selectors.organization_get(actor=actor, organization_id=pk),
        list=selectors.organization_list,
        export=located_exporter.export_organizations_xlsx,
        create=located.organization_create,
        update=lambda actor, obj, **f: located.organization_update(
            actor=actor, organization=obj, **f
        ),
        fields=(
            Field("name", _label(Organization, "name")),
            Field(
                "kind", _label(Organization, "kind"), "select", choices=Organization.Kind.choices
            ),
            Field("credit_code", _label(Organization, "credit_code"), max_length=18),
            Field("contact_name", _label(Organization, "contact_name"), max_length=50),
            Field(
                "contact_phone", _label(Organization, "contact_phone_masked"), "tel", max_length=20
            ),
            Field("employees", _label(Organization, "employees"), "number", max_length=8),
            _address(Organization),
        ),
        one_key="organization",
        visit_target="organization",
    ),
    "places": Kind(
        key="places",
        model=Place,
        title=gettext_lazy("Places"),
        one=gettext_lazy("place"),
        new_title=gettext_lazy("New place"),
        search_hint=gettext_lazy("Name or address"),
        get=lambda actor, pk: selectors.place_get(actor=actor, place_id=pk),
        list=selectors.place_list,
        export=located_exporter.export_places_xlsx,
        create=located.place_create,
        update=lambda actor, obj, **f: located.place_update(actor=actor, place=obj, **f),
        fields=(
            Field("name", _label(Place, "name")),
            Field("kind", _label(Place, "kind"), "select", choices=Place.Kind.choices),
            Field("risk", _label(Place, "risk"), "select", choices=Place.Risk.choices),
            _address(Place),
        ),
        one_key="place",
        visit_target="place",
    ),
    "facilities": Kind(
        key="facilities",
        model=Facility,
        title=gettext_lazy("Facilities"),
        one=gettext_lazy("facility"),
        new_title=gettext_lazy("New facility"),
        search_hint=gettext_lazy("Name or address"),
        get=lambda actor, pk: selectors.facility_get(actor=actor, facility_id=pk),
        list=selectors.facility_list,
        export=located_exporter.export_facilities_xlsx,
        create=located.facility_create,
        update=lambda actor, obj, **f: located.facility_update(actor=actor, facility=obj, **f),
        fields=(
            Field("code", _label(Facility, "code"), max_length=40),
            Field("name", _label(Facility, "name")),
            Field("kind", _label(Facility, "kind"), "select", choices=Facility.Kind.choices),
            Field("status", _label(Facility, "status"), "select", choices=Facility.Status.choices),
            _address(Facility),
        ),
        visit_target="facility",
        one_key="facility",
    ),
}


def _kind(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise Http404
    return kind


def _queryset(request, kind: Kind):
    return kind.list(
        actor=request.user,
        q=request.GET.get("q", "")[:100],
        kind=request.GET.get("kind", "")[:16],
        grid_code=request.GET.get("grid", "")[:24],
    )


MAX_ID = 2**63 - 1


def _row(request, kind: Kind, pk: int):
    if pk > MAX_ID:
        raise Http404
    return get_or_404(kind.get, actor=request.user, pk=pk)


def _id(kind: Kind, ids: dict) -> int:
    return ids[f"{kind.one_key}_id"]


def _require_edit_role(request) -> None:
    if not has_role(request.user, REGISTRY_EDIT_ROLES):
        raise Http404


@login_required
def located_list(request, key: str):
    kind = _kind(key)
    return list_page(
        request,
        "registry/located_list.html",
        "registry/_located_rows.html",
        _queryset(request, kind),
        kind=kind,
        may_export=has_role(request.user, REGISTRY_EXPORT_ROLES),
        may_edit=has_role(request.user, REGISTRY_EDIT_ROLES),
    )


@login_required
def located_export(request, key: str):
    kind = _kind(key)
    return xlsx_download(request, kind.export, _queryset(request, kind), f"{kind.key}.xlsx")


@login_required
def located_detail(request, key: str, **ids):
    kind = _kind(key)
    row = _row(request, kind, _id(kind, ids))
    return render(
        request,
        "registry/located_detail.html",
        {
            "kind": kind,
            "row": row,
            "may_edit": has_role(request.user, REGISTRY_EDIT_ROLES),
            "may_reveal": has_role(request.user, REVEAL_ROLES),
            "statuses": Facility.Status.choices,
        },
    )


def _villages(actor):
    return region_selectors.region_list(actor=actor, level=Region.Level.VILLAGE).defer("boundary")


def _form_values(kind: Kind, data) -> dict:
    values = {f.name: data.get(f.name, "").strip() for f in kind.fields}
    if kind.model is Organization and "contact_phone" in values and not values["contact_phone"]:
        values.pop("contact_phone")  # an edit keeps the sealed number unless a new one is typed
    return values


def _where(request, villages) -> dict:
    """The point or village of the form; nothing when neither is given (an edit keeps it)."""
    lat, lng = request.POST.get("lat", "").strip(), request.POST.get("lng", "").strip()
    code = request.POST.get("village", "").strip()
    where: dict = {}
    if lat or lng:
        where.update(lat=lat or None, lng=lng or None)
    if code:
        village = villages.filter(code=code).first()
        if village is None:
            raise ValidationFailed(_("Choose a village of your jurisdiction."), field="village")
        where["village"] = village
    return where


def _form(request, kind: Kind, row=None):
    _require_edit_role(request)
    villages = _villages(request.user)
    error, status = None, 200
    data = request.POST if request.method == "POST" else _initial(kind, row)
    if request.method == "POST":
        try:
            values = _form_values(kind, request.POST)
            where = _where(request, villages)
            if row is None:
                if "village" not in where and "lat" not in where:
                    raise ValidationFailed(_("Give a point (lat, lng) or a village."), field="lat")
                row = kind.create(actor=request.user, **values, **where)
                messages.success(request, _("Saved."))
            else:
                kind.update(request.user, row, **values, **where)
                messages.success(request, _("Saved."))
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect(kind.detail_url, row.pk)
    fields = [
        {"field": f, "value": data.get(f.name, "") if data else "", "error": _field_error(error, f)}
        for f in kind.fields
    ]
    context = {
        "kind": kind,
        "row": row,
        "fields": fields,
        "villages": villages,
        "data": data or {},
        "error": error,
        "area": _map_start(request.user, row),
    }
    return render(request, "registry/located_form.html", context, status=status)


def _map_start(actor, row) -> dict:
    """Where the picking map starts: the row's own point when it has one, else the actor's
    area (centre and outline)."""
    if row is not None and row.lat is not None:
        return {"lat": row.lat, "lng": row.lng, "outline": None}
    return region_selectors.map_area(actor)


def _field_error(error, field: Field):
    return error.message if error is not None and error.field == field.name else None


def _initial(kind: Kind, row) -> dict:
    if row is None:
        return {}
    values = {f.name: getattr(row, f.name, "") for f in kind.fields if f.name != "contact_phone"}
    values.update(lat=row.lat, lng=row.lng)
    values["village"] = row.village.code
    return {k: "" if v is None else v for k, v in values.items()}


@login_required
def located_new(request, key: str):
    return _form(request, _kind(key))


@login_required
def located_edit(request, key: str, **ids):
    kind = _kind(key)
    return _form(request, kind, _row(request, kind, _id(kind, ids)))


@login_required
def facility_status(request, facility_id: int):
    """POST only; the row is looked up first, so an id out of reach is 404 whatever the method."""
    facility = _row(request, KINDS["facilities"], facility_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        located.facility_set_status(
            actor=request.user, facility=facility, status=request.POST.get("status", "")
        )
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    messages.success(request, _("Status saved."))
    return redirect("registry:facility", facility.pk)


@login_required
@require_POST
def organization_reveal(request, organization_id: int):
    org = _row(request, KINDS["organizations"], organization_id)
    try:
        value = located.organization_reveal_phone(
            actor=request.user, organization=org, ip=client_ip(request)
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    return render(request, "registry/_revealed.html", {"value": value})


def urlpatterns() -> list:
    """The pages of each kind under /registry/<kind>/ (URL names: places, places_new,
    places_export, place, place_edit, …)."""
    patterns = []
    for key, kind in KINDS.items():
        one, given = kind.one_key, {"key": key}
        patterns += [
            path(f"{key}/", located_list, given, name=key),
            path(f"{key}/new/", located_new, given, name=f"{key}_new"),
            path(f"{key}/export.xlsx", located_export, given, name=f"{key}_export"),
            path(f"{key}/<int:{one}_id>/", located_detail, given, name=one),
            path(f"{key}/<int:{one}_id>/edit/", located_edit, given, name=f"{one}_edit"),
        ]
    return [
        *patterns,
        path("facilities/<int:facility_id>/status/", facility_status, name="facility_status"),
        path(
            "organizations/<int:organization_id>/reveal/",
            organization_reveal,
            name="organization_reveal",
        ),
    ]
