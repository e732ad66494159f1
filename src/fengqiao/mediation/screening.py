"""Dispute screening (排查) rounds: every grid of a village reports what it found, or that
it found nothing, so coverage is measurable. A round is a campaign of kind "screening" with
one item per grid (fengqiao.campaigns, the one engine that sends work to the grids): opening
the round opens the campaign, and a grid's report ticks the grid's item through the engine's
item check, so coverage, stragglers and the reminder sweep are the engine's."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fengqiao.campaigns.models import CampaignItem, CampaignKind, ItemStatus
from fengqiao.campaigns.services import CampaignSpec, campaign_open_owned, item_check
from fengqiao.core import clock
from fengqiao.core.audit import audit_record
from fengqiao.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from fengqiao.core.roles import Role, has_role
from fengqiao.core.scoping import code_within, prefix_q, reaches_part_of
from fengqiao.mediation.models import Dispute, ScreeningReport, ScreeningRound
from fengqiao.mediation.selectors import dispute_visible_ids
from fengqiao.regions.models import Grid, Region

OPENERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
REPORTERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_CHIEF, Role.GRID_WORKER})
MAX_ROUND_DAYS = 92


def screening_rounds_open(*, actor, region: Region, starts_on: date, ends_on: date) -> list:
    """Open a round for every village in `region` (a village, township or county), each with
    its campaign and the grid items, in a transaction of its own; villages that already have
    a round starting that day keep it."""
    if not has_role(actor, OPENERS) or not code_within(actor, region.code):
        raise NotAllowed(_("You may not open screening rounds here."))
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_ROUND_DAYS:
        raise ValidationFailed(
            _("A round ends after it starts and lasts at most %(days)d days.")
            % {"days": MAX_ROUND_DAYS},
            field="ends_on",
        )
    villages = list(
        Region.objects.filter(prefix_q([region.prefix], "code"), level=Region.Level.VILLAGE).defer(
            "boundary"
        )
    )
    if not villages:
        raise ValidationFailed(_("There is no village in this region."), field="region")
    opened = set(
        ScreeningRound.objects.filter(village__in=villages, starts_on=starts_on).values_list(
            "village_id", flat=True
        )
    )
    for village in villages:
        if village.pk not in opened:
            _round_open(actor, village, starts_on, ends_on)
    return list(
        ScreeningRound.objects.filter(
            prefix_q([region.prefix]), starts_on=starts_on
        ).select_related("village")
    )


def _round_open(actor, village: Region, starts_on: date, ends_on: date) -> None:
    title = gettext("Dispute screening %(village)s %(starts)s–%(ends)s") % {
        "village": village.name,
        "starts": starts_on.isoformat(),
        "ends": ends_on.isoformat(),
    }
    spec = CampaignSpec(title[:100], village.code, ends_on, [])
    try:
        with transaction.atomic():
            campaign = campaign_open_owned(actor=actor, kind=CampaignKind.SCREENING, spec=spec)
            screening_round = ScreeningRound.objects.create(
                village=village,
                campaign=campaign,
                region_code=village.code,
                starts_on=starts_on,
                ends_on=ends_on,
                opened_by=actor,
                opened_at=clock.now(),
            )
            audit_record(
                actor=actor,
                entity=screening_round,
                action="create",
                changes={
                    "starts_on": [None, starts_on.isoformat()],
                    "ends_on": [None, ends_on.isoformat()],
                    "campaign": [None, campaign.code],
                },
            )
    except IntegrityError:  # the same round opened alongside: the village keeps that one
        if not ScreeningRound.objects.filter(village=village, starts_on=starts_on).exists():
            raise


def _covers_part_of(actor, grid: Grid) -> bool:
    """The actor works in this grid: it lies in their jurisdiction, or one of their
    micro-grids lies in it."""
    return reaches_part_of(actor, grid.code)


def screening_report_file(
    *,
    actor,
    round_id: int,
    grid_id: int,
    nothing_found: bool,
    note: str = "",
    dispute_ids=(),
) -> ScreeningReport:
    """A grid's return: the disputes it registered in the round, or "nothing found". The
    report, its findings' links and the tick of the grid's campaign item are one transaction
    with their audit rows."""
    if not has_role(actor, REPORTERS):
        raise NotAllowed(_("Your role does not file screening reports."))
    screening_round = ScreeningRound.objects.filter(pk=round_id).first()
    grid = Grid.objects.filter(pk=grid_id).first()
    if screening_round is None:
        raise NotFound(_("Screening round not found."))
    in_reach = code_within(actor, screening_round.region_code) or (
        grid is not None and _covers_part_of(actor, grid)
    )
    if not in_reach:
        raise NotFound(_("Screening round not found."))
    if grid is None or grid.village_id != screening_round.village_id or grid.parent_id:
        raise ValidationFailed(_("Choose a grid of the round's village."), field="grid")
    if not _covers_part_of(actor, grid):
        raise NotAllowed(_("This grid is not yours to report for."), field="grid")
    dispute_ids = list(dict.fromkeys(dispute_ids or []))
    if nothing_found and dispute_ids:
        raise ValidationFailed(
            _("A report with findings cannot say nothing was found."), field="nothing_found"
        )
    if not nothing_found and not dispute_ids:
        raise ValidationFailed(
            _("List the disputes found, or report that nothing was found."), field="disputes"
        )
    # Only disputes the actor may see: a finding from a sibling micro-grid is refused just as
    # an unknown id is, so the answer tells nothing about disputes out of the actor's reach.
    findings = list(
        Dispute.objects.filter(
            prefix_q([grid.code]),
            pk__in=dispute_ids,
            screening_report__isnull=True,
        ).filter(pk__in=dispute_visible_ids(actor=actor))
    )
    if len(findings) != len(dispute_ids):
        raise ValidationFailed(
            _("Every finding must be an unreported dispute registered in this grid."),
            field="disputes",
        )
    item = CampaignItem.objects.filter(campaign_id=screening_round.campaign_id, grid=grid).first()
    if item is None:  # a grid drawn after the round was opened owes no return for it
        raise ValidationFailed(_("Choose a grid of the round's village."), field="grid")
    try:
        with transaction.atomic():
            report = ScreeningReport.objects.create(
                round=screening_round,
                grid=grid,
                region_code=grid.code,
                nothing_found=nothing_found,
                note=note.strip(),
                reported_by=actor,
                reported_at=clock.now(),
            )
            Dispute.objects.filter(pk__in=dispute_ids).update(screening_report=report)
            audit_record(
                actor=actor,
                entity=report,
                action="create",
                changes={
                    "nothing_found": [None, nothing_found],
                    "findings": [None, sorted(d.pk for d in findings)],
                },
            )
            item_check(
                actor=actor,
                item_id=item.pk,
                result=ItemStatus.DONE,
                note=report.note,
                owner_kind=CampaignKind.SCREENING,
            )
    except IntegrityError as exc:
        raise Conflict(_("This grid has already reported for the round."), field="grid") from exc
    return report
