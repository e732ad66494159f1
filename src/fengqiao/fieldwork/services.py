"""Recording visits, and the county's visit plans. Every write checks the actor's reach, leaves
an audit row in its transaction, and a finding that needs handling becomes a case through the
case services (cases.intake.case_report) in the same transaction."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.targets import RaiseCase, check_recent, target_label
from fengqiao.cases.attachments import discard_files
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Category, Channel
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within
from fengqiao.fieldwork.care import RaiseNeed, check_raise_need, need_from_visit
from fengqiao.fieldwork.models import Purpose, Target, Visit, VisitPerson, VisitPlan
from fengqiao.fieldwork.photos import check_photos, visit_photos_store
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    Organization,
    Person,
    PersonTag,
    Place,
)

VISITOR_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_CHIEF, Role.CENTRE_STAFF, Role.UNIT_HEAD, Role.ADMIN}
)
PLAN_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
TARGET_MODELS = {
    Target.HOUSEHOLD: Household,
    Target.DWELLING: Dwelling,
    Target.PLACE: Place,
    Target.ORGANIZATION: Organization,
    Target.FACILITY: Facility,
}
MAX_FINDINGS = 4000
MAX_PEOPLE = 30


def target_row(actor, target: str, target_id: int):
    if target not in TARGET_MODELS:
        raise ValidationFailed(_("Choose what was visited."), field="target")
    model = TARGET_MODELS[Target(target)]
    related = ["head", "dwelling"] if target == Target.HOUSEHOLD else []
    row = model.objects.visible_to(actor).select_related(*related).filter(pk=target_id).first()
    if row is None:
        raise NotFound(_("Nothing to visit with that id in your area."), field="target_id")
    return row


def _point_of(target: str, row) -> tuple[float | None, float | None, object]:
    """Where the visited row is, and its grid (a household sits at its dwelling)."""
    source = row.dwelling if target == Target.HOUSEHOLD else row
    if source is None:
        return None, None, None
    return source.lat, source.lng, getattr(source, "grid", None)


def _people(actor, target: str, row, person_ids) -> list[Person]:
    ids = sorted({int(pk) for pk in person_ids})
    if len(ids) > MAX_PEOPLE:
        raise ValidationFailed(
            _("At most %(n)d people per visit.") % {"n": MAX_PEOPLE}, field="people"
        )
    if not ids:
        return []
    people = Person.objects.visible_to(actor).filter(pk__in=ids)
    if target == Target.HOUSEHOLD:
        people = people.filter(household=row)
    elif target == Target.DWELLING:
        people = people.filter(dwelling=row)
    found = list(people)
    if len(found) != len(ids):
        raise ValidationFailed(
            _("Everyone met must live in the visited household or dwelling."), field="people"
        )
    return found


def check_time(visited_at: datetime | None) -> datetime:
    return check_recent(
        visited_at,
        field="visited_at",
        future=_("A visit cannot be in the future."),
        too_old=_("A visit older than 30 days cannot be recorded here."),
    )


def check_point(lat, lng) -> None:
    if (lat is None) != (lng is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="lat")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed(_("The GPS point is not on Earth."), field="lat")


def visit_record(
    *,
    actor,
    target: str,
    target_id: int,
    purpose: str = Purpose.ROUTINE,
    findings: str = "",
    people=(),
    visited_at: datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    accuracy_m: int | None = None,
    client_id: str | None = None,
    raise_case: RaiseCase | None = None,
    raise_need: RaiseNeed | None = None,
    photos=(),
) -> Visit:
    """Record one visit; the same `client_id` from the same visitor returns the first visit
    (`is_new = False`), so an offline phone may send it again safely. A household visit may
    raise a care need (`raise_need`: the household's care record is opened if none is) and a
    case, both in the visit's transaction; `photos` (uploads) are kept with it."""
    if not has_role(actor, VISITOR_ROLES) or not actor.is_active:
        raise NotAllowed(_("Your role does not record visits."))
    client_id = (client_id or "").strip() or None
    if client_id:
        earlier = Visit.objects.filter(visitor=actor, client_id=client_id).first()
        if earlier is not None:
            earlier.is_new = False
            return earlier
    if purpose not in Purpose.values:
        raise ValidationFailed(_("Choose the purpose of the visit."), field="purpose")
    findings = (findings or "").strip()
    if len(findings) > MAX_FINDINGS:
        raise ValidationFailed(_("Findings are too long."), field="findings")
    visited_at = check_time(visited_at)
    need_detail = check_raise_need(raise_need, target)
    check_point(lat, lng)
    row = target_row(actor, target, target_id)
    met = _people(actor, target, row, people)
    place_lat, place_lng, grid = _point_of(target, row)
    category = None
    if raise_case is not None:
        category = Category.objects.filter(
            code=raise_case.category, is_active=True, parent__isnull=False
        ).first()
        if category is None:
            raise ValidationFailed(_("Choose a category for the case."), field="case_category")
        if not raise_case.title.strip():
            raise ValidationFailed(_("Give the case a title."), field="case_title")
    checked = check_photos(photos) if photos else []
    stored: list = []
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                region_code=row.region_code,
                grid=grid,
                target=target,
                **{target: row},
                target_label=target_label(target, row)[:200],
                visitor=actor,
                visited_at=visited_at,
                purpose=purpose,
                findings=findings,
                lat=lat,
                lng=lng,
                accuracy_m=accuracy_m,
                client_id=client_id,
                created_at=clock.now(),
            )
            VisitPerson.objects.bulk_create(
                [VisitPerson(visit=visit, person=p, visited_at=visited_at) for p in met]
            )
            if category is not None:
                case = case_report(
                    actor=actor,
                    category=category,
                    title=raise_case.title.strip(),
                    description=findings,
                    channel=Channel.GRID_APP,
                    lat=lat if lat is not None else place_lat,
                    lng=lng if lng is not None else place_lng,
                    people=[p.pk for p in met],
                )
                visit.case = case
                visit.save(update_fields=["case"])
            need = None
            if raise_need is not None:
                need = need_from_visit(
                    actor=actor,
                    visit=visit,
                    household=row,
                    kind=raise_need.kind,
                    detail=need_detail,
                )
            visit_photos_store(actor=actor, visit=visit, checked=checked, into=stored)
            audit_record(
                actor=actor,
                entity=visit,
                action="create",
                changes={
                    "target": [None, f"{target}:{row.pk}"],
                    "purpose": [None, purpose],
                    "people": [None, len(met)],
                    "case": [None, visit.case.code if visit.case else None],
                    "need": [None, need.pk if need else None],
                    "photos": [None, len(stored)],
                },
            )
    except BaseException as exc:
        discard_files(stored)
        if not isinstance(exc, IntegrityError) or not client_id:
            raise
        # The same client id, sent twice at once.
        earlier = Visit.objects.filter(visitor=actor, client_id=client_id).first()
        if earlier is None:
            raise
        earlier.is_new = False
        return earlier
    visit.is_new = True
    return visit


def plan_set(*, actor, tag_code: str, region_code: str, every_days: int | None) -> VisitPlan | None:
    """Set how often people with a tag inside an area must be visited (None: no plan there).
    Centre staff and administrators, for an area inside their jurisdiction."""
    if not has_role(actor, PLAN_ROLES):
        raise NotAllowed(_("Only centre staff set visit plans."))
    region_code = (region_code or "").strip()
    if not region_code.isdigit() or not code_within(actor, region_code):
        raise NotFound(_("No such area in your jurisdiction."), field="region_code")
    tag = PersonTag.objects.filter(code=tag_code).first()
    if tag is None:
        raise ValidationFailed(_("Unknown tag."), field="tag")
    if every_days is not None and not 1 <= every_days <= 366:
        raise ValidationFailed(_("Give 1 to 366 days."), field="every_days")
    with transaction.atomic():
        plan = VisitPlan.objects.filter(tag=tag, region_code=region_code).first()
        before = plan.every_days if plan else None
        if every_days is None:
            if plan is not None:
                audit_record(
                    actor=actor,
                    entity=plan,
                    action="delete",
                    changes={"every_days": [before, None]},
                )
                plan.delete()
            return None
        if plan is None:
            plan = VisitPlan(tag=tag, region_code=region_code)
        plan.every_days = every_days
        plan.is_active = True
        plan.updated_at = clock.now()
        plan.save()
        if before != every_days:
            audit_record(
                actor=actor,
                entity=plan,
                action="create" if before is None else "update",
                changes={"tag": [None, tag.code], "every_days": [before, every_days]},
            )
    return plan
