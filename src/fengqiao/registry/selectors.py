"""Every read of the registry, scoped to the caller's jurisdiction (residents: their own)."""

from django.db.models import Prefetch, Q, QuerySet

from fengqiao.core import crypto
from fengqiao.core.errors import NotFound
from fengqiao.core.roles import SENSITIVE_TAG_ROLES, Role, has_role
from fengqiao.core.scoping import prefix_q
from fengqiao.registry import sealing
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    HouseholdGroup,
    Organization,
    Person,
    PersonTag,
    PersonTagging,
    Place,
)


def person_list(
    *, actor, q: str = "", tag: str = "", grid_code: str = "", household_id: int | None = None
) -> QuerySet[Person]:
    if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
        return Person.objects.visible_to(actor)  # their own record
    qs = Person.objects.select_related("household", "dwelling").visible_to(actor)
    q = (q or "").strip()
    if q:
        # Names only: a search by number is a reveal and goes through registry.search.
        qs = qs.filter(name__icontains=q)
    if grid_code:
        qs = qs.filter(region_code__startswith=grid_code)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if tag:
        found = PersonTag.objects.filter(code=tag).first()
        if found is None:
            return qs.none()
        if not found.is_sensitive:
            return qs.filter(taggings__tag=found)
        if not has_role(actor, SENSITIVE_TAG_ROLES):
            return qs.none()
        # Sealed taggings carry a per-person hash: find the people whose hash matches.
        sealed = (
            PersonTagging.objects.filter(tag__isnull=True)
            .visible_to(actor)
            .only("id", "person_id", "tag_hash")
        )
        matched = sealing.tagged_codes(sealed, [found.code])
        qs = qs.filter(taggings__id__in=list(matched))
    return qs


def person_get(*, actor, person_id: int) -> Person:
    person = person_list(actor=actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person


def person_tags_visible(*, actor, person: Person) -> list[PersonTag]:
    """The person's tags the actor may see; sensitive ones are unsealed only for allowed roles."""
    all_tags = list(PersonTag.objects.all())
    tags_by_id = {t.pk: t for t in all_tags}
    tags_by_code = {t.code: t for t in all_tags}
    may_see_sensitive = has_role(actor, SENSITIVE_TAG_ROLES)
    visible = []
    for tagging in person.taggings.all():
        if tagging.tag_id:
            visible.append(tags_by_id.get(tagging.tag_id))
        elif may_see_sensitive:
            visible.append(tags_by_code.get(crypto.open_field(tagging, "tag_sealed")))
    return [t for t in visible if t is not None]


def person_tag_choices(*, actor) -> QuerySet[PersonTag]:
    qs = PersonTag.objects.all()
    return qs if has_role(actor, SENSITIVE_TAG_ROLES) else qs.filter(is_sensitive=False)


def household_list(*, actor, q: str = "", grid_code: str = "") -> QuerySet[Household]:
    if has_role(actor, {Role.RESIDENT}) and not actor.is_superuser:
        return Household.objects.visible_to(actor)  # their own household
    qs = Household.objects.select_related("head", "dwelling", "group").visible_to(actor)
    if q:
        qs = qs.filter(number__icontains=q.strip()) | qs.filter(head__name__icontains=q.strip())
    if grid_code:
        qs = qs.filter(region_code__startswith=grid_code)
    return qs


def household_get(*, actor, household_id: int) -> Household:
    household = (
        household_list(actor=actor)
        .prefetch_related(Prefetch("members", queryset=Person.objects.order_by("pk")))
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def dwelling_list(*, actor, q: str = "", grid_code: str = "", use: str = "") -> QuerySet[Dwelling]:
    qs = Dwelling.objects.select_related("grid__parent", "village").visible_to(actor)
    if q:
        qs = qs.filter(address__icontains=q.strip()) | qs.filter(code__icontains=q.strip())
    if grid_code:
        qs = qs.filter(region_code__startswith=grid_code)
    if use:
        qs = qs.filter(use=use)
    return qs


def dwelling_get(*, actor, dwelling_id: int) -> Dwelling:
    dwelling = dwelling_list(actor=actor).filter(pk=dwelling_id).first()
    if dwelling is None:
        raise NotFound()
    return dwelling


def household_group_list(*, actor, grid_code: str = "") -> QuerySet[HouseholdGroup]:
    qs = HouseholdGroup.objects.select_related("head", "grid").visible_to(actor)
    if grid_code:
        qs = qs.filter(region_code__startswith=grid_code)
    return qs


def household_group_get(*, actor, group_id: int) -> HouseholdGroup:
    group = household_group_list(actor=actor).filter(pk=group_id).first()
    if group is None:
        raise NotFound()
    return group


def _located_list(model, *, actor, q: str = "", kind: str = "", grid_code: str = ""):
    qs = model.objects.select_related("grid", "village").visible_to(actor)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if grid_code:
        qs = qs.filter(prefix_q([grid_code.strip()]))
    return qs


def _located_get(model, *, actor, pk: int):
    obj = _located_list(model, actor=actor).filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def organization_list(*, actor, **filters) -> QuerySet[Organization]:
    return _located_list(Organization, actor=actor, **filters)


def organization_get(*, actor, organization_id: int) -> Organization:
    return _located_get(Organization, actor=actor, pk=organization_id)


def place_list(*, actor, **filters) -> QuerySet[Place]:
    return _located_list(Place, actor=actor, **filters)


def place_get(*, actor, place_id: int) -> Place:
    return _located_get(Place, actor=actor, pk=place_id)


def facility_list(*, actor, **filters) -> QuerySet[Facility]:
    return _located_list(Facility, actor=actor, **filters)


def facility_get(*, actor, facility_id: int) -> Facility:
    return _located_get(Facility, actor=actor, pk=facility_id)


def tagging_counts(*, actor) -> dict[str, int]:
    """People per tag inside the jurisdiction (sensitive ones only for allowed roles)."""
    from collections import Counter

    from django.db.models import Count

    choices = list(person_tag_choices(actor=actor))
    by_id = {t.pk: t.code for t in choices}
    taggings = PersonTagging.objects.all().visible_to(actor)
    rows = taggings.filter(tag_id__in=list(by_id)).values("tag_id").annotate(n=Count("id"))
    counts = Counter({by_id[r["tag_id"]]: r["n"] for r in rows})
    sensitive = [t.code for t in choices if t.is_sensitive]
    if sensitive:
        sealed = taggings.filter(tag__isnull=True).only("id", "person_id", "tag_hash")
        counts.update(sealing.tagged_codes(sealed, sensitive).values())
    return dict(counts)


def tag_count_rows(*, actor) -> list[dict]:
    """Tag counts with their labels, for the home page."""
    counts = tagging_counts(actor=actor)
    return [
        {"tag": tag, "count": counts.get(tag.code, 0)} for tag in person_tag_choices(actor=actor)
    ]
