"""Every read of notices: staff lists scoped by jurisdiction, residents' lists by their village."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from fengqiao.core import divisions
from fengqiao.core.errors import NotFound
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import scoped
from fengqiao.participation.models import Notice, Status
from fengqiao.participation.services import NOTICE_LEVELS
from fengqiao.regions.models import Region
from fengqiao.registry.models import Person

VILLAGE_SECONDS = 300


def notice_list_for_staff(
    *, actor, status: str = "", category: str = "", q: str = ""
) -> QuerySet[Notice]:
    """Notices published for regions inside the actor's jurisdiction, newest first."""
    if not has_role(actor, frozenset(Role.values) - {Role.RESIDENT}):
        return Notice.objects.none()
    notices = scoped(Notice.objects.select_related("author"), actor)
    if status:
        notices = notices.filter(status=status)
    if category:
        notices = notices.filter(category=category)
    if q:
        notices = notices.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return notices


def notice_get_for_staff(*, actor, notice_id: int) -> Notice:
    notice = notice_list_for_staff(actor=actor).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


def notice_regions_for_staff(*, actor) -> QuerySet[Region]:
    """The regions the actor may publish for: county, townships and villages within reach."""
    return scoped(Region.objects.filter(level__in=NOTICE_LEVELS), actor, field="code")


def resident_village_code(resident) -> str | None:
    """The 12-digit code of the resident's own village, from their person record's place (a
    micro-grid code starts with its village's code); None for anyone who is not a resident.

    Kept in the cache for a few minutes under the person's id (a key only this resident's
    own signed-in requests compute): a resident who moves sees the new village's notices
    within VILLAGE_SECONDS."""
    if not has_role(resident, {Role.RESIDENT}) or resident.person_id is None:
        return None
    key = f"participation:village:{resident.person_id}"
    village = cache.get(key)
    if village is None:
        codes = Person.objects.filter(pk=resident.person_id).values_list("region_code", flat=True)
        code = next(iter(codes), "")[: divisions.REGION_LENGTH]
        is_village = (
            len(code) == divisions.REGION_LENGTH
            and divisions.level_of(code) is divisions.Level.VILLAGE
        )
        village = code if is_village else ""
        cache.set(key, village, VILLAGE_SECONDS)
    return village or None


def notice_region_codes(village_code: str) -> list[str]:
    """The notice region codes that reach a village: its own and those of every region above."""
    return [divisions.prefix_of(c) for c in [*divisions.ancestors(village_code), village_code]]


def notice_list_for_village(village_code: str | None) -> QuerySet[Notice]:
    """Published notices that reach the village, pinned first, then newest first."""
    if not village_code:
        return Notice.objects.none()
    return Notice.objects.filter(
        status=Status.PUBLISHED, region_code__in=notice_region_codes(village_code)
    ).order_by("-is_pinned", "-published_at", "-pk")


def notice_list_for_resident(resident) -> QuerySet[Notice]:
    """Published notices whose region is the resident's village or a region above it."""
    return notice_list_for_village(resident_village_code(resident))


def notice_get_for_resident(*, resident, notice_id: int) -> Notice:
    notice = notice_list_for_resident(resident).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice
