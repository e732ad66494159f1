"""Dispute screening (排查) rounds: every grid of a village reports what it found, or that
it found nothing, so coverage is measurable."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.core import clock
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
    """Open a round for every village in `region` (a village, township or county); villages
    that already have a round starting that day keep it."""
    if not has_role(actor, OPENERS) or not code_within(actor, region.code):
        raise NotAllowed(_("You may not open screening rounds here."))
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_ROUND_DAYS:
        raise ValidationFailed(
            _("A round ends after it starts and lasts at most %(days)d days.")
            % {"days": MAX_ROUND_DAYS},
            field="ends_on",
        )
    villages = Region.objects.filter(prefix_q([region.prefix], "code"), level=Region.Level.VILLAGE)
    at = clock.now()
    rows = [
        ScreeningRound(
            village=village,
            region_code=village.code,
            starts_on=starts_on,
            ends_on=ends_on,
            opened_by=actor,
            opened_at=at,
        )
        for village in villages
    ]
    if not rows:
        raise ValidationFailed(_("There is no village in this region."), field="region")
    ScreeningRound.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        ScreeningRound.objects.filter(
            prefix_q([region.prefix]), starts_on=starts_on
        ).select_related("village")
    )


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
    """A grid's return: the disputes it registered in the round, or "nothing found"."""
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
    except IntegrityError as exc:
        raise Conflict(_("This grid has already reported for the round."), field="grid") from exc
    return report
