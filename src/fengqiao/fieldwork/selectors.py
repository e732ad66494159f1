"""Reads of fieldwork, always through the caller's jurisdiction: visits, and the visits due.

"Visits due" is a query, not a timer: for each person in reach with a tag some visit plan
covers, the last time they were met (VisitPerson, one indexed lookup) plus the shortest
interval of the plans that apply gives the day they are due. Plans on sensitive tags count
only for the roles that may see sensitive tags (never a grid worker's list)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from fengqiao.cases.duplicates import distance_m
from fengqiao.core import clock
from fengqiao.core.errors import NotFound
from fengqiao.core.roles import SENSITIVE_TAG_ROLES, STAFF_ROLES, has_role
from fengqiao.core.scoping import actor_prefixes, around_q, code_within, prefix_q
from fengqiao.fieldwork.models import Target, Visit, VisitPerson, VisitPhoto, VisitPlan
from fengqiao.registry import sealing
from fengqiao.registry.models import Person, PersonTagging

DUE_SOON_DAYS = 3  # a visit due within this many days is listed as due soon
MAX_DUE = 500


@dataclass
class DueVisit:
    person_id: int
    name: str
    household_id: int | None
    household_number: str
    address: str
    lat: float | None
    lng: float | None
    reasons: list[str]  # the tag names behind the plans that apply
    every_days: int
    last_visit: datetime | None
    due_on: date
    overdue: bool
    distance_m: float | None = None


MAX_ID = 2**63 - 1


def visit_list(
    *,
    actor,
    area: str = "",
    purpose: str = "",
    visitor: str = "",
    target: str = "",
    target_id: int | None = None,
) -> QuerySet[Visit]:
    """The visits in reach; `target` and `target_id` narrow them to one household, dwelling,
    place or organisation (an unknown target, or an id without one, is ignored)."""
    visits = Visit.objects.visible_to(actor).select_related("visitor", "grid", "case")
    if target in Target.values and target_id is not None and 0 < target_id <= MAX_ID:
        visits = visits.filter(target=target, **{f"{target}_id": target_id})
    area = area.strip()
    if area:
        if not area.isdigit() or not code_within(actor, area):
            raise NotFound(field="area")
        visits = visits.filter(prefix_q([area]))
    if purpose:
        visits = visits.filter(purpose=purpose)
    if visitor:
        visits = visits.filter(visitor__username=visitor)
    return visits


def visit_get(*, actor, visit_id: int) -> Visit:
    visit = (
        Visit.objects.visible_to(actor)
        .select_related("visitor", "grid", "case")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise NotFound()
    return visit


def visit_photo_get(*, actor, visit_id: int, photo_id: int) -> VisitPhoto:
    """One photo of a visit the actor may see; anything else is not found."""
    photo = (
        VisitPhoto.objects.visible_to(actor)
        .filter(pk=photo_id, visit__in=Visit.objects.visible_to(actor).filter(pk=visit_id))
        .first()
    )
    if photo is None:
        raise NotFound()
    return photo


def visit_plans_for(actor) -> dict[tuple[int, str], VisitPlan]:
    may_see_sensitive = has_role(actor, SENSITIVE_TAG_ROLES)
    plans = VisitPlan.objects.filter(is_active=True).select_related("tag")
    return {
        (plan.tag_id, plan.region_code): plan
        for plan in plans
        if may_see_sensitive or not plan.tag.is_sensitive
    }


def plan_for(plans, tag_id: int, code: str) -> VisitPlan | None:
    """The most specific plan for the tag whose area holds `code` (longest area code)."""
    for n in range(len(code), 1, -1):
        found = plans.get((tag_id, code[:n]))
        if found is not None:
            return found
    return None


def tagged_pairs(people: QuerySet[Person], plans) -> list[tuple[int, int]]:
    """(person id, tag id) for the people's tags some plan covers, sealed tags included."""
    tag_ids = {tag_id for tag_id, _code in plans}
    pairs = list(
        PersonTagging.objects.filter(person__in=people, tag_id__in=tag_ids).values_list(
            "person_id", "tag_id"
        )
    )
    sensitive = {plan.tag.code: plan.tag_id for plan in plans.values() if plan.tag.is_sensitive}
    if sensitive:
        sealed = PersonTagging.objects.filter(person__in=people, tag__isnull=True).only(
            "id", "person_id", "tag_hash"
        )
        by_id = {t.id: t.person_id for t in sealed}
        for tagging_id, code in sealing.tagged_codes(sealed, list(sensitive)).items():
            pairs.append((by_id[tagging_id], sensitive[code]))
    return pairs


def covered_people(actor, people: QuerySet[Person]) -> dict[int, list[str]]:
    """person id → the names of their tags a visit plan covers where they live, for the
    `people` (already scoped) — the people the plans say must be visited. Plans on sensitive
    tags count only for the roles that may see sensitive tags."""
    plans = visit_plans_for(actor)
    if not plans:
        return {}
    pairs = tagged_pairs(people, plans)
    codes = dict(
        Person.objects.filter(pk__in={pid for pid, _t in pairs}).values_list("pk", "region_code")
    )
    found: dict[int, list[str]] = {}
    for person_id, tag_id in pairs:
        plan = plan_for(plans, tag_id, codes[person_id])
        if plan is not None:
            found.setdefault(person_id, []).append(plan.tag.name)
    return found


def visits_due(
    *,
    actor,
    area: str = "",
    near: tuple[float, float] | None = None,
    include_later: bool = False,
    limit: int = MAX_DUE,
) -> list[DueVisit]:
    """People in the caller's reach (inside `area` when given) due a visit within
    DUE_SOON_DAYS or overdue (every covered person with `include_later`), nearest first when
    `near` (lat, lng) is given — straight-line distance, the walking order in a village —
    else soonest due first."""
    people = Person.objects.visible_to(actor)
    area = area.strip()
    if area:
        if not area.isdigit() or not code_within(actor, area):
            raise NotFound(field="area")
        people = people.filter(prefix_q([area]))
    plans = visit_plans_for(actor)
    if not plans:
        return []
    pairs = tagged_pairs(people, plans)
    if not pairs:
        return []
    last_met = (
        VisitPerson.objects.filter(person=OuterRef("pk"))
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )
    rows = {
        row["pk"]: row
        for row in Person.objects.filter(pk__in={pid for pid, _t in pairs})
        .annotate(last=Subquery(last_met))
        .values(
            "pk",
            "name",
            "region_code",
            "household_id",
            "household__number",
            "dwelling__address",
            "dwelling__lat",
            "dwelling__lng",
            "household__dwelling__address",
            "household__dwelling__lat",
            "household__dwelling__lng",
            "last",
        )
    }
    today = clock.localdate()
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    found: dict[int, DueVisit] = {}
    for person_id, tag_id in pairs:
        row = rows[person_id]
        plan = plan_for(plans, tag_id, row["region_code"])
        if plan is None:
            continue
        item = found.get(person_id)
        if item is None:
            item = found[person_id] = _due_item(row, plan, today)
        else:
            item.reasons.append(plan.tag.name)
            if plan.every_days < item.every_days:
                item.every_days = plan.every_days
                item.due_on = _due_on(row["last"], plan.every_days, today)
                item.overdue = item.due_on < today
    items = [i for i in found.values() if include_later or i.due_on <= horizon]
    if near is not None:
        for item in items:
            if item.lat is not None and item.lng is not None:
                item.distance_m = round(distance_m(near[0], near[1], item.lat, item.lng))
        items.sort(key=lambda i: (i.distance_m is None, i.distance_m or 0, i.due_on))
    else:
        items.sort(key=lambda i: (i.due_on, i.name))
    return items[:limit]


def _due_on(last: datetime | None, every_days: int, today: date) -> date:
    if last is None:
        return today  # never met: due now
    return timezone.localtime(last).date() + timedelta(days=every_days)


def _due_item(row: dict, plan: VisitPlan, today: date) -> DueVisit:
    due_on = _due_on(row["last"], plan.every_days, today)
    own = row["dwelling__lat"] is not None
    prefix = "dwelling__" if own else "household__dwelling__"
    return DueVisit(
        person_id=row["pk"],
        name=row["name"],
        household_id=row["household_id"],
        household_number=row["household__number"] or "",
        address=row[f"{prefix}address"] or "",
        lat=row[f"{prefix}lat"],
        lng=row[f"{prefix}lng"],
        reasons=[plan.tag.name],
        every_days=plan.every_days,
        last_visit=row["last"],
        due_on=due_on,
        overdue=due_on < today,
    )


def plan_list(*, actor) -> QuerySet[VisitPlan]:
    """The plans that apply in the caller's jurisdiction: those set inside it and those of
    the areas containing it (a village sees its county's plans)."""
    plans = VisitPlan.objects.select_related("tag").order_by("region_code", "tag__code")
    if not has_role(actor, STAFF_ROLES) or not actor.is_active:
        return plans.none()
    prefixes = actor_prefixes(actor)
    return plans if prefixes is None else plans.filter(around_q(prefixes))
