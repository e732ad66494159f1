"""Reads of care records and service lists, always through the caller's jurisdiction; and the
monthly "not seen" list (本月未见面) and the care contacts on time for the grid workers'
assessment.

"Not seen" in a month: the people in reach who must be visited — they carry a tag some visit
plan covers where they live (selectors.covered_people), or they belong to a household with an
open care record — and whom no visit met (VisitPerson) in that month; grouped by grid."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from fengqiao.core import clock
from fengqiao.core.divisions import REGION_LENGTH
from fengqiao.core.errors import NotFound
from fengqiao.core.ledger import Period, ledger_period, period_q
from fengqiao.core.roles import STAFF_ROLES, Role, has_role
from fengqiao.core.scoping import actor_prefixes, around_q, code_within, prefix_q
from fengqiao.fieldwork.care import ACTIVE_NEEDS
from fengqiao.fieldwork.models import (
    CareHelp,
    CareNeed,
    CareRecord,
    NeedKind,
    RecordStatus,
    ServiceOffer,
    Visit,
    VisitPerson,
)
from fengqiao.fieldwork.selectors import covered_people
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Person

ON_TIME_DAYS = 7  # help recorded within this many days of a need being raised is on time


@dataclass
class NotSeenPerson:
    person_id: int
    name: str
    household_id: int | None
    address: str
    reasons: list[str]


@dataclass
class NotSeenGrid:
    code: str
    name: str
    people: list[NotSeenPerson] = field(default_factory=list)


def _area(actor, area: str) -> str:
    area = (area or "").strip()
    if area and (not area.isdigit() or not code_within(actor, area)):
        raise NotFound(field="area")
    return area


def record_list(*, actor, area: str = "", status: str = "", kind: str = "") -> QuerySet[CareRecord]:
    """The care records in reach, newest first, with their count of needs still open."""
    records = (
        CareRecord.objects.visible_to(actor)
        .select_related("grid", "opened_by")
        .annotate(active_needs=Count("needs", filter=Q(needs__status__in=ACTIVE_NEEDS)))
        .order_by("-opened_at", "-pk")
    )
    area = _area(actor, area)
    if area:
        records = records.filter(prefix_q([area]))
    if status in RecordStatus.values:
        records = records.filter(status=status)
    if kind in NeedKind.values:
        records = records.filter(pk__in=CareNeed.objects.filter(kind=kind).values("record_id"))
    return records


def record_get(*, actor, record_id: int) -> CareRecord:
    """One record with its needs (oldest first), each with its help."""
    record = (
        CareRecord.objects.visible_to(actor)
        .select_related("grid", "opened_by", "household")
        .prefetch_related(
            Prefetch(
                "needs",
                queryset=CareNeed.objects.select_related("raised_by", "visit").prefetch_related(
                    "help"
                ),
            )
        )
        .filter(pk=record_id)
        .first()
    )
    if record is None:
        raise NotFound()
    record.total_cost = sum(
        (h.cost for need in record.needs.all() for h in need.help.all()), start=0
    )
    return record


def record_visits(*, actor, record: CareRecord) -> QuerySet[Visit]:
    """The visits to the record's household since a year before it was opened."""
    since = record.opened_at - timedelta(days=365)
    return (
        Visit.objects.visible_to(actor)
        .filter(household_id=record.household_id, visited_at__gte=since)
        .select_related("visitor", "case")
    )


def needs_active(*, actor, area: str = "") -> QuerySet[CareNeed]:
    """Needs still open or being helped in reach (a grid worker: their grid), oldest first."""
    needs = (
        CareNeed.objects.visible_to(actor)
        .filter(status__in=ACTIVE_NEEDS, record__status=RecordStatus.OPEN)
        .select_related("record")
        .annotate(helped=Count("help"), spent=Sum("help__cost"))
    )
    area = _area(actor, area)
    if area:
        needs = needs.filter(prefix_q([area], "record__region_code"))
    return needs


def offer_list(*, actor, village: str = "", include_inactive: bool = False):
    """The service lists that serve the caller's jurisdiction: of the villages inside it and
    of the village containing it (a grid worker sees their village's list); staff only."""
    if not has_role(actor, STAFF_ROLES):
        return ServiceOffer.objects.none()
    prefixes = actor_prefixes(actor)
    offers = ServiceOffer.objects.all()
    if prefixes is not None:
        offers = offers.filter(around_q(prefixes))
    village = (village or "").strip()
    if village:
        if not village.isdigit():
            raise NotFound(field="village")
        offers = offers.filter(prefix_q([village]))
    return offers if include_inactive else offers.filter(is_active=True)


def offers_for_resident(resident) -> QuerySet[ServiceOffer]:
    """The active service list of the resident's own village (from their person record's
    place); nothing for anyone who is not a resident with a person record."""
    if not has_role(resident, {Role.RESIDENT}) or resident.person_id is None:
        return ServiceOffer.objects.none()
    code = Person.objects.filter(pk=resident.person_id).values_list("region_code", flat=True)
    village = next(iter(code), "")[:REGION_LENGTH]
    if len(village) != REGION_LENGTH:
        return ServiceOffer.objects.none()
    return ServiceOffer.objects.filter(region_code=village, is_active=True)


def month_period(month: str) -> Period:
    """The month YYYY-MM (this month when empty) as a period of local days."""
    month = (month or "").strip() or clock.localdate().strftime("%Y-%m")
    return ledger_period({"month": month})


def not_seen(*, actor, month: str = "", area: str = "") -> list[NotSeenGrid]:
    """Per grid (by code), the people who must be visited and were not met in `month`."""
    period = month_period(month)
    area = _area(actor, area)
    if not has_role(actor, STAFF_ROLES):
        return []
    people = Person.objects.visible_to(actor)
    if area:
        people = people.filter(prefix_q([area]))
    reasons = covered_people(actor, people)
    cared = set(
        people.filter(
            household__care_records__status=RecordStatus.OPEN,
        ).values_list("pk", flat=True)
    )
    for person_id in cared:
        reasons.setdefault(person_id, []).append(str(_("Care record")))
    if not reasons:
        return []
    seen = set(
        VisitPerson.objects.filter(period_q(period, "visited_at"), person_id__in=reasons)
        .values_list("person_id", flat=True)
        .distinct()
    )
    wanted = [pk for pk in reasons if pk not in seen]
    rows = Person.objects.filter(pk__in=wanted).values(
        "pk",
        "name",
        "region_code",
        "household_id",
        "dwelling__address",
        "household__dwelling__address",
    )
    grids: dict[str, NotSeenGrid] = {}
    for row in rows:
        code = row["region_code"]
        grid = grids.get(code) or grids.setdefault(code, NotSeenGrid(code=code, name=code))
        grid.people.append(
            NotSeenPerson(
                person_id=row["pk"],
                name=row["name"],
                household_id=row["household_id"],
                address=row["dwelling__address"] or row["household__dwelling__address"] or "",
                reasons=sorted(set(reasons[row["pk"]])),
            )
        )
    names = dict(Grid.objects.filter(code__in=grids).values_list("code", "name"))
    for grid in grids.values():
        grid.name = names.get(grid.code, grid.code)
        grid.people.sort(key=lambda p: p.name)
    return sorted(grids.values(), key=lambda g: g.code)


def care_contacts_on_time(*, actor, month: str = "") -> dict[int, tuple[int, int]]:
    """user id → (needs they raised in `month`, of which help was recorded within
    ON_TIME_DAYS days of the need being raised), over the records in the caller's reach.
    A need closed without help counts as due and not on time."""
    period = month_period(month)
    needs = CareNeed.objects.visible_to(actor).filter(period_q(period, "raised_at"))
    first_help = dict(
        CareHelp.objects.filter(need__in=needs)
        .values("need_id")
        .annotate(first=Min("created_at"))
        .values_list("need_id", "first")
    )
    found: dict[int, tuple[int, int]] = {}
    for need_id, user_id, raised_at in needs.values_list("pk", "raised_by_id", "raised_at"):
        due, on_time = found.get(user_id, (0, 0))
        first = first_help.get(need_id)
        in_time = first is not None and first - raised_at <= timedelta(days=ON_TIME_DAYS)
        found[user_id] = (due + 1, on_time + int(in_time))
    return found
