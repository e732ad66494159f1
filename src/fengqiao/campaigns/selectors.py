"""Reads of campaigns, through the caller's jurisdiction: the list, one campaign, its items,
its progress per township, village or grid (counts grouped by a code prefix, so 100 000
items are one GROUP BY), a worker's open items, and the items each person checked in a month
(for the assessment)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.campaigns.models import (
    OWNED_KINDS,
    Campaign,
    CampaignItem,
    CampaignStatus,
    ItemStatus,
)
from fengqiao.core.divisions import GRID_LENGTH, prefix_at
from fengqiao.core.errors import NotFound, ValidationFailed
from fengqiao.core.scoping import code_within, prefix_q
from fengqiao.regions.models import Grid, Region

LEVELS = ("township", "village", "grid")
MAX_ID = 2**62  # a larger id from a crafted request finds nothing
MAX_MY_ITEMS = 500  # open items listed on the phone per campaign


def percent_of(total: int, pending: int) -> int:
    """Whole percent checked, rounded down (100 only when nothing is pending)."""
    return 100 if not total else (100 * (total - pending)) // total


@dataclass
class Progress:
    """The counts of one unit (an area, or the whole campaign)."""

    code: str
    name: str
    total: int = 0
    done: int = 0
    not_found: int = 0
    problem: int = 0
    pending: int = 0

    @property
    def checked(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return percent_of(self.total, self.pending)


@dataclass
class CampaignProgress:
    level: str
    total: Progress
    units: list[Progress] = field(default_factory=list)

    @property
    def stragglers(self) -> list[Progress]:
        short = [u for u in self.units if u.percent < 100]
        return sorted(short, key=lambda u: (u.percent, u.code))


def campaign_list(*, actor, status: str = "") -> QuerySet[Campaign]:
    """The campaigns run on the campaign pages: not those another app owns (screening rounds
    are read through their round)."""
    campaigns = Campaign.objects.visible_to(actor).exclude(kind__in=OWNED_KINDS)
    campaigns = campaigns.select_related("created_by")
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    return campaigns.annotate(
        item_count=Count("items", filter=_reach(actor)),
        pending_count=Count("items", filter=_reach(actor) & Q(items__status=ItemStatus.PENDING)),
    ).order_by("-created_at", "-pk")


def _reach(actor) -> Q:
    """The items of a campaign the actor may see (the campaign's rows are wider than a
    worker's grid)."""
    prefixes = actor.scope_prefixes()
    return Q() if prefixes is None else prefix_q(prefixes, "items__region_code")


def campaign_get(*, actor, campaign_id: int) -> Campaign:
    if not 0 < campaign_id < MAX_ID:
        raise NotFound()
    campaign = campaign_list(actor=actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    return campaign


def campaign_items(
    *, actor, campaign: Campaign, status: str = "", grid: str = ""
) -> QuerySet[CampaignItem]:
    items = (
        CampaignItem.objects.visible_to(actor)
        .filter(campaign=campaign)
        .select_related("grid", "case", "done_by")
    )
    if status:
        if status not in ItemStatus.values:
            raise ValidationFailed(_("Unknown status."), field="status")
        items = items.filter(status=status)
    grid = grid.strip()
    if grid:
        if not grid.isdigit() or not code_within(actor, grid[:GRID_LENGTH]):
            raise NotFound(field="grid")
        items = items.filter(prefix_q([grid]))
    return items.order_by("region_code", "pk")


def pending_grids(*, campaign: Campaign) -> QuerySet[Grid]:
    """The grids whose item of a grid campaign is still pending, over the whole campaign (a
    return the area owes, listed on the owner's page for everyone who reads the campaign)."""
    pending = campaign.items.filter(status=ItemStatus.PENDING, grid__isnull=False)
    return Grid.objects.filter(pk__in=pending.values("grid_id")).order_by("code")


def item_visible(*, actor, item_id: int) -> bool:
    return CampaignItem.objects.visible_to(actor).filter(pk=min(item_id, MAX_ID)).exists()


def _unit_length(level: str) -> int:
    if level == "grid":
        return GRID_LENGTH
    return len(prefix_at("0" * GRID_LENGTH, level))


def _names(level: str, codes: set[str]) -> dict[str, str]:
    if level == "grid":
        grids = Grid.objects.filter(code__in=codes).values_list("code", "name")
        names = dict(grids)
        village_codes = {c for c in codes if c not in names}
        villages = Region.objects.filter(code__in=village_codes).values_list("code", "name")
        names.update({code: _("%(name)s (no grid)") % {"name": n} for code, n in villages})
        return names
    padded = {code.ljust(12, "0"): code for code in codes}
    regions = Region.objects.filter(code__in=padded).values_list("code", "name")
    return {padded[code]: name for code, name in regions}


def default_level(campaign: Campaign) -> str:
    """The first level worth listing: the units just below the campaign's area."""
    length = len(campaign.region_code)
    return "township" if length <= 6 else "village" if length <= 9 else "grid"


def campaign_progress(
    *, actor, campaign: Campaign, level: str = "village", area: str = ""
) -> CampaignProgress:
    """Counts per unit at `level` (township, village or grid) of the items the actor may
    see (inside `area` when given: the drill-down), the whole, and the units short of 100 %
    (least done first)."""
    if level not in LEVELS:
        raise ValidationFailed(_("Choose township, village or grid."), field="level")
    length = _unit_length(level)
    items = CampaignItem.objects.visible_to(actor).filter(campaign=campaign)
    area = area.strip()
    if area:
        if not area.isdigit() or len(area) > 24:
            raise ValidationFailed(_("Unknown area."), field="area")
        items = items.filter(prefix_q([area]))
    rows = (
        items.annotate(unit=Substr("region_code", 1, length))
        .values("unit", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    units: dict[str, Progress] = {}
    total = Progress(code=campaign.region_code, name=campaign.title)
    for row in rows:
        unit = units.setdefault(row["unit"], Progress(code=row["unit"], name=row["unit"]))
        for counts in (unit, total):
            counts.total += row["n"]
            setattr(counts, row["status"], getattr(counts, row["status"]) + row["n"])
    names = _names(level, set(units))
    for unit in units.values():
        unit.name = names.get(unit.code, unit.code)
    return CampaignProgress(
        level=level, total=total, units=sorted(units.values(), key=lambda u: u.code)
    )


@dataclass
class OpenCampaign:
    campaign: Campaign
    items: list[CampaignItem]


def my_items(*, actor) -> list[OpenCampaign]:
    """The open campaigns' items still to check in the actor's reach, by campaign (nearest
    deadline first); items of campaigns another app owns are returned on its pages."""
    items = (
        CampaignItem.objects.visible_to(actor)
        .filter(campaign__status=CampaignStatus.OPEN, status=ItemStatus.PENDING)
        .exclude(campaign__kind__in=OWNED_KINDS)
        .select_related("campaign", "grid")
        .order_by("campaign__deadline", "campaign_id", "region_code", "pk")
    )
    found: dict[int, OpenCampaign] = {}
    for item in items.iterator(chunk_size=1000):
        group = found.setdefault(item.campaign_id, OpenCampaign(item.campaign, []))
        if len(group.items) < MAX_MY_ITEMS:
            group.items.append(item)
    return list(found.values())


def _month(month: str) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(f"{month}-01")
        following = (first + timedelta(days=32)).replace(day=1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationFailed(_("Give the month as YYYY-MM."), field="month") from exc
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(following, time.min, tzinfo=zone),
    )


def campaign_totals(*, actor, month: str) -> dict[int, int]:
    """{user id: items they checked in `month` (YYYY-MM)} over the items the actor may see."""
    since, until = _month(month)
    rows = (
        CampaignItem.objects.visible_to(actor)
        .filter(done_at__gte=since, done_at__lt=until)
        .exclude(status=ItemStatus.PENDING)
        .values("done_by")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["done_by"]: row["n"] for row in rows}
