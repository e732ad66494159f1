"""Campaigns (排查任务), the one engine that sends work to the grids: the centre creates one for
an area and every target row in it becomes an item (a household, dwelling, place, facility,
or each grid of the area: the grid's return), or imports a list of clues; grid workers check
their grid's items against the checklist, a problem becomes a case in the same step; the
centre closes the campaign. A daily sweep reminds the grid workers of grids still short of
100 % once the deadline is near. Mediation's screening rounds are grid campaigns of kind
"screening" opened and ticked through mediation (`OWNED_KINDS`).

Every write checks the actor's reach and leaves one audit row in its transaction."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accounts.models import User
from fengqiao.campaigns.clue_import import Clue, read_clues
from fengqiao.campaigns.models import (
    GRID_KINDS,
    OWNED_KINDS,
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    ItemStatus,
)
from fengqiao.campaigns.selectors import MAX_ID
from fengqiao.campaigns.targets import RaiseCase, check_recent, target_label
from fengqiao.cases.intake import case_report
from fengqiao.cases.models import Category, Channel, Notification
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.divisions import prefix_at
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import around_q, code_within, prefix_q
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Dwelling, Facility, Household, Place

CAMPAIGN_ROLES = frozenset({Role.CENTRE_STAFF, Role.ADMIN})
CHECK_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_CHIEF, Role.CENTRE_STAFF, Role.ADMIN})
CORRECT_ROLES = CAMPAIGN_ROLES  # re-check an item already checked (a correction)
ROW_MODELS = {
    CampaignKind.HOUSEHOLD: Household,
    CampaignKind.DWELLING: Dwelling,
    CampaignKind.PLACE: Place,
    CampaignKind.FACILITY: Facility,
}
RESULTS = (ItemStatus.DONE, ItemStatus.NOT_FOUND, ItemStatus.PROBLEM)
MAX_QUESTIONS = 20
MAX_QUESTION = 100
MAX_TITLE = 100
MAX_INSTRUCTIONS = 2000
MAX_NOTE = 2000
BATCH = 1000  # items written per INSERT while fanning out
REMIND_DAYS = 3  # the sweep reminds from this many days before the deadline
REMIND_AFTER_DAYS = 7  # … until this many days after it (then the centre follows up itself)


@dataclass(frozen=True)
class CampaignSpec:
    """What the centre asks: shared by a campaign over registry rows and one over clues."""

    title: str
    region_code: str
    deadline: date
    checklist: list[str]
    instructions: str = ""


def _require_centre(actor) -> None:
    if not has_role(actor, CAMPAIGN_ROLES) or not actor.is_active:
        raise NotAllowed(_("Only centre staff run campaigns."))


def _check_spec(actor, spec: CampaignSpec, *, past_ok: bool = False) -> CampaignSpec:
    title = (spec.title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(_("Give a title of at most 100 characters."), field="title")
    area = (spec.region_code or "").strip()
    if not area.isdigit() or len(area) > 24 or not code_within(actor, area):
        raise NotFound(_("No such area in your jurisdiction."), field="region_code")
    if spec.deadline < clock.localdate() and not past_ok:
        raise ValidationFailed(_("The deadline cannot be in the past."), field="deadline")
    questions = [str(q).strip() for q in spec.checklist or [] if str(q).strip()]
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(
            _("At most %(n)d questions.") % {"n": MAX_QUESTIONS}, field="checklist"
        )
    if any(len(q) > MAX_QUESTION for q in questions):
        raise ValidationFailed(
            _("A question has at most %(n)d characters.") % {"n": MAX_QUESTION},
            field="checklist",
        )
    instructions = (spec.instructions or "").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        raise ValidationFailed(_("The instructions are too long."), field="instructions")
    return CampaignSpec(title, area, spec.deadline, questions, instructions)


def _new_campaign(actor, spec: CampaignSpec, kind: str) -> Campaign:
    now = clock.now()
    return Campaign.objects.create(
        code=f"PC{timezone.localdate(now):%Y%m%d}{uuid.uuid4().hex[:6].upper()}",
        title=spec.title,
        instructions=spec.instructions,
        kind=kind,
        checklist=spec.checklist,
        region_code=spec.region_code,
        deadline=spec.deadline,
        created_by=actor,
        created_at=now,
    )


def _row_items(actor, campaign: Campaign):
    """One unsaved item per target row of the area the actor can see, streamed."""
    kind = campaign.kind
    rows = ROW_MODELS[CampaignKind(kind)].objects.visible_to(actor)
    rows = rows.filter(prefix_q([campaign.region_code])).order_by("pk")
    if kind == CampaignKind.HOUSEHOLD:
        rows = rows.select_related("head", "dwelling")
    for row in rows.iterator(chunk_size=BATCH):
        grid_id = (
            row.dwelling.grid_id if kind == CampaignKind.HOUSEHOLD and row.dwelling_id else None
        )
        yield CampaignItem(
            campaign=campaign,
            region_code=row.region_code,
            grid_id=getattr(row, "grid_id", grid_id),
            target_label=target_label(kind, row)[:200],
            **{kind: row},
        )


def _grid_items(actor, campaign: Campaign):
    """One unsaved item per grid of the area (not its micro-grids): the grid's return."""
    grids = Grid.objects.visible_to(actor).filter(
        prefix_q([campaign.region_code], "code"), parent__isnull=True
    )
    for grid in grids.order_by("code").iterator(chunk_size=BATCH):
        yield CampaignItem(
            campaign=campaign,
            region_code=grid.code,
            grid=grid,
            target_label=target_label(CampaignKind.GRID, grid)[:200],
        )


def _clue_items(campaign: Campaign, clues: list[Clue]):
    for clue in clues:
        yield CampaignItem(
            campaign=campaign,
            region_code=clue.region_code,
            grid_id=clue.grid_id,
            clue=clue.text,
            address=clue.address,
            lat=clue.lat,
            lng=clue.lng,
            source_row=clue.row,
            target_label=(clue.address or clue.text)[:200],
        )


def _fan_out(items) -> int:
    count, batch = 0, []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            CampaignItem.objects.bulk_create(batch)
            count, batch = count + len(batch), []
    if batch:
        CampaignItem.objects.bulk_create(batch)
    return count + len(batch)


def _audit_created(actor, campaign: Campaign, count: int) -> None:
    audit_record(
        actor=actor,
        entity=campaign,
        action="create",
        changes={
            "kind": [None, campaign.kind],
            "region_code": [None, campaign.region_code],
            "deadline": [None, campaign.deadline.isoformat()],
            "items": [None, count],
        },
    )


def campaign_create(*, actor, kind: str, spec: CampaignSpec) -> Campaign:
    """A campaign over every household, dwelling, place or facility of the area (inside the
    actor's jurisdiction), one item each, written with the campaign in one transaction."""
    _require_centre(actor)
    if kind not in ROW_MODELS and kind != CampaignKind.GRID:
        raise ValidationFailed(_("Choose what is to be checked."), field="kind")
    spec = _check_spec(actor, spec)
    with transaction.atomic():
        campaign = _new_campaign(actor, spec, kind)
        items = _grid_items if kind == CampaignKind.GRID else _row_items
        count = _fan_out(items(actor, campaign))
        if count == 0:
            raise ValidationFailed(_("There is nothing of that kind in the area."), field="kind")
        _audit_created(actor, campaign, count)
    campaign.item_count = count
    return campaign


def campaign_open_owned(*, actor, kind: str, spec: CampaignSpec) -> Campaign:
    """A grid campaign another app opens for its own work (a screening round): one item per
    grid of the area, in the caller's transaction. The owner checks its own dates, so a past
    period may be recorded; an area without grids gives a campaign without items."""
    _require_centre(actor)
    if kind not in OWNED_KINDS or kind not in GRID_KINDS:
        raise ValidationFailed(_("Choose what is to be checked."), field="kind")
    spec = _check_spec(actor, spec, past_ok=True)
    with transaction.atomic():
        campaign = _new_campaign(actor, spec, kind)
        count = _fan_out(_grid_items(actor, campaign))
        _audit_created(actor, campaign, count)
    campaign.item_count = count
    return campaign


def campaign_import_clues(*, actor, spec: CampaignSpec, file) -> Campaign:
    """A campaign over a list of clues read from an XLSX (columns in clue_import.py). Every
    bad cell is reported with its row and column (ClueErrors) and then nothing is stored."""
    _require_centre(actor)
    spec = _check_spec(actor, spec)
    clues = read_clues(file, area=spec.region_code)
    with transaction.atomic():
        campaign = _new_campaign(actor, spec, CampaignKind.CLUE)
        count = _fan_out(_clue_items(campaign, clues))
        _audit_created(actor, campaign, count)
    campaign.item_count = count
    return campaign


def campaign_close(*, actor, campaign_id: int) -> Campaign:
    _require_centre(actor)
    campaign = Campaign.objects.visible_to(actor).filter(pk=min(campaign_id, MAX_ID)).first()
    if campaign is None or not code_within(actor, campaign.region_code):
        raise NotFound()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not campaign.is_open:
            return campaign
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = clock.now()
        campaign.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor, entity=campaign, action="update", changes={"status": ["open", "closed"]}
        )
    return campaign


def _checked_at(value: datetime | None) -> datetime:
    return check_recent(
        value,
        field="checked_at",
        future=_("A check cannot be in the future."),
        too_old=_("A check older than 30 days cannot be recorded here."),
    )


def _answers(checklist: list[str], answers) -> dict[str, bool]:
    if not isinstance(answers, dict):
        raise ValidationFailed(_("Answer the checklist with yes or no."), field="answers")
    clean = {}
    for key, value in answers.items():
        index = str(key)
        if not index.isdigit() or int(index) >= len(checklist) or not isinstance(value, bool):
            raise ValidationFailed(_("Answer the checklist with yes or no."), field="answers")
        clean[str(int(index))] = value
    return clean


def _case_category(result: str, raise_case: RaiseCase | None) -> Category | None:
    if result != ItemStatus.PROBLEM:
        return None
    code = raise_case.category.strip() if raise_case else ""
    category = Category.objects.filter(code=code, is_active=True, parent__isnull=False).first()
    if not code or category is None:
        raise ValidationFailed(_("Choose a category for the case."), field="case_category")
    if not raise_case.title.strip():
        raise ValidationFailed(_("Give the case a title."), field="case_title")
    return category


def _earlier(actor, client_id: str | None, item_id: int) -> CampaignItem | None:
    if not client_id:
        return None
    earlier = CampaignItem.objects.filter(done_by=actor, client_id=client_id).first()
    if earlier is not None and earlier.pk != item_id:
        raise ValidationFailed(_("That client id was used for another item."), field="client_id")
    if earlier is not None:
        earlier.is_new = False
    return earlier


def _raise_case(actor, item: CampaignItem, category: Category, title: str, note: str):
    lat, lng = item.lat, item.lng
    source = item.dwelling or (item.household.dwelling if item.household_id else None)
    source = source or item.place or item.facility
    if lat is None and source is not None:
        lat, lng = source.lat, source.lng
    village = None
    if lat is None or lng is None:
        lat = lng = None
        village = Region.objects.defer("boundary").get(code=prefix_at(item.region_code, "village"))
    description = f"{item.campaign.title}：{item.target_label}\n{note}".strip()
    return case_report(
        actor=actor,
        category=category,
        title=title.strip(),
        description=description,
        channel=Channel.GRID_APP,
        lat=lat,
        lng=lng,
        address=item.address or item.target_label,
        village=village,
    )


def item_check(
    *,
    actor,
    item_id: int,
    result: str,
    answers=None,
    note: str = "",
    checked_at: datetime | None = None,
    client_id: str | None = None,
    raise_case: RaiseCase | None = None,
    owner_kind: str = "",
) -> CampaignItem:
    """Record the check of one item. The same `client_id` from the same person returns the
    item unchanged (`is_new = False`); an item already checked is checked again only by the
    centre (a correction). A problem raises a case in the same transaction. The items of a
    campaign another app owns are ticked only by that app (it names the kind in `owner_kind`),
    inside its own transaction."""
    if not has_role(actor, CHECK_ROLES) or not actor.is_active:
        raise NotAllowed(_("Your role does not check campaign items."))
    client_id = (client_id or "").strip() or None
    earlier = _earlier(actor, client_id, item_id)
    if earlier is not None:
        return earlier
    item = CampaignItem.objects.visible_to(actor).filter(pk=min(item_id, MAX_ID)).first()
    if item is None:
        raise NotFound(_("No such item in your area."), field="item_id")
    if result not in RESULTS:
        raise ValidationFailed(_("Choose checked, not found or problem."), field="result")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("The note is too long."), field="note")
    checked_at = _checked_at(checked_at)
    try:
        with transaction.atomic():
            item = (
                CampaignItem.objects.select_for_update().select_related("campaign").get(pk=item.pk)
            )
            if not item.campaign.is_open:
                raise Conflict(_("The campaign is closed."), code="closed")
            if item.campaign.kind in OWNED_KINDS and item.campaign.kind != owner_kind:
                raise Conflict(_("This item is returned on its own page."), code="owned")
            clean = _answers(item.campaign.checklist, answers or {})
            category = _case_category(result, raise_case)
            before = item.status
            if before != ItemStatus.PENDING and not has_role(actor, CORRECT_ROLES):
                raise Conflict(_("This item is already checked."), code="already_checked")
            item.status, item.answers, item.note = result, clean, note
            item.done_by, item.done_at, item.client_id = actor, checked_at, client_id
            if category is not None and item.case_id is None:
                item.case = _raise_case(actor, item, category, raise_case.title, note)
            item.save()
            audit_record(
                actor=actor,
                entity=item,
                action="update",
                changes={
                    "status": [before, result],
                    "case": [None, item.case.code if item.case_id else None],
                },
            )
    except IntegrityError:  # the same client id, sent twice at once
        earlier = _earlier(actor, client_id, item_id)
        if earlier is None:
            raise
        return earlier
    item.is_new = True
    return item


def _remind(campaign: Campaign, worker, today: date) -> int:
    key = f"campaign:{campaign.pk}:{today.isoformat()}:{worker.pk}"
    if Notification.objects.filter(dedup_key=key).exists():
        return 0
    pending = (
        CampaignItem.objects.visible_to(worker)
        .filter(campaign=campaign, status=ItemStatus.PENDING)
        .count()
    )
    if not pending:
        return 0
    message = _("Campaign %(title)s: %(n)d items in your grid still to check by %(day)s.") % {
        "title": campaign.title,
        "n": pending,
        "day": campaign.deadline.isoformat(),
    }
    Notification.objects.bulk_create(  # ignore_conflicts: a sweep running alongside
        [
            Notification(
                recipient=worker,
                kind="campaign_due",
                message=message[:200],
                created_at=clock.now(),
                dedup_key=key,
            )
        ],
        ignore_conflicts=True,
    )
    return 1


def remind_stragglers(now: datetime | None = None) -> dict[str, int]:
    """The sweep (settings.FENGQIAO_SWEEPS): from REMIND_DAYS before an open campaign's
    deadline until REMIND_AFTER_DAYS after it (a round nobody closes is not a reminder for
    ever), once a day, each grid worker whose grid (or micro-grid) still has items to
    check gets one inbox notification with their count (the key holds the day, so a rerun
    the same day adds nothing; a grid at 100 % is not reminded)."""
    today = timezone.localdate(now or clock.now())
    campaigns = Campaign.objects.filter(
        status=CampaignStatus.OPEN,
        deadline__lte=today + timedelta(days=REMIND_DAYS),
        deadline__gte=today - timedelta(days=REMIND_AFTER_DAYS),
    )
    sent = 0
    for campaign in campaigns:
        workers = User.objects.filter(
            around_q([campaign.region_code], "bindings__code"),
            is_active=True,
            role=Role.GRID_WORKER,
        ).distinct()
        for worker in workers:
            sent += _remind(campaign, worker, today)
    return {"campaign_reminders": sent}


__all__ = [
    "CAMPAIGN_ROLES",
    "CampaignSpec",
    "campaign_close",
    "campaign_create",
    "campaign_import_clues",
    "campaign_open_owned",
    "item_check",
    "remind_stragglers",
]
