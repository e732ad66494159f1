"""Campaigns (排查任务): the one way work is sent to the grids. The centre asks every household,
dwelling, place, facility or grid of an area — or a list of clues it imports — to be checked
against a short yes/no checklist by a deadline; a dispute screening round (mediation) is a
campaign of kind "screening" with one item per grid of its village. Each target is one
`CampaignItem`, placed like the row it points at, so the grid worker sees the items of their
grid and progress is a count per code prefix.

The tables were made by fieldwork (migration 0004) and keep their names."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fengqiao.cases.models import Case
from fengqiao.core.roles import STAFF_ROLES, has_role
from fengqiao.core.scoping import actor_prefixes, around_q, enclosing_codes, prefix_q
from fengqiao.core.visibility import SYSTEM_ACTOR, PlacedQuerySet, PlacedRow
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Dwelling, Facility, Household, Place

CODE_LEN = 24


class CampaignKind(models.TextChoices):
    HOUSEHOLD = "household", _("Households")
    DWELLING = "dwelling", _("Dwellings")
    PLACE = "place", _("Places")
    FACILITY = "facility", _("Facilities")
    CLUE = "clue", _("Clues (imported list)")
    GRID = "grid", _("Grids (one return each)")
    SCREENING = "screening", _("Dispute screening round")


# Kinds with one item per grid of the area: the grid's return is the item.
GRID_KINDS = frozenset({CampaignKind.GRID, CampaignKind.SCREENING})
# Kinds another app opens and ticks through its own pages (mediation's screening reports link
# the disputes found); fieldwork's campaign pages and the phone list leave them out.
OWNED_KINDS = frozenset({CampaignKind.SCREENING})


class CampaignStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("campaign", "Open")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Checked")
    NOT_FOUND = "not_found", _("Not found")
    PROBLEM = "problem", _("Problem found")


class CampaignQuerySet(PlacedQuerySet):
    """A campaign is seen by staff whose jurisdiction contains its area or lies inside it (a
    grid worker sees the village's campaign: it has items in their grid)."""

    def visible_to(self, actor):
        if actor == SYSTEM_ACTOR:
            return self
        if not has_role(actor, STAFF_ROLES) or not actor.is_active:
            return self.none()
        prefixes = actor_prefixes(actor)
        if prefixes is None:
            return self
        return self.filter(around_q(prefixes)) if prefixes else self.none()


class CampaignItemQuerySet(PlacedQuerySet):
    """An item is seen inside the actor's jurisdiction; a grid's item (a return the whole grid
    owes) also by those who work in part of the grid (a micro-grid's worker)."""

    def visible_to(self, actor):
        if actor == SYSTEM_ACTOR:
            return self
        if not has_role(actor, STAFF_ROLES) or not actor.is_active:
            return self.none()
        prefixes = actor_prefixes(actor)
        if prefixes is None:
            return self
        if not prefixes:
            return self.none()
        enclosing = sorted({c for prefix in prefixes for c in enclosing_codes(prefix)})
        part_of_grid = Q(campaign__kind__in=GRID_KINDS, region_code__in=enclosing)
        return self.filter(prefix_q(prefixes) | part_of_grid)


class Campaign(models.Model):
    code = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=100)
    instructions = models.TextField(_("instructions"), blank=True)
    kind = models.CharField(_("what is checked"), max_length=16, choices=CampaignKind.choices)
    checklist = models.JSONField(_("checklist"), default=list)
    region_code = models.CharField(_("area code"), max_length=CODE_LEN, db_index=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        db_table = "fieldwork_campaign"
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN


class CampaignItem(PlacedRow, models.Model):
    """One thing to check: a registry row, for a clue campaign the clue's own text, address
    and point (with its row in the imported file), or for a grid campaign the grid itself."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dwelling = models.ForeignKey(
        Dwelling, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clue = models.CharField(_("clue"), max_length=500, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    target_label = models.CharField(_("checked"), max_length=200)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    answers = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)

    objects = CampaignItemQuerySet.as_manager()

    class Meta:
        db_table = "fieldwork_campaignitem"
        ordering = ["region_code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["done_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_item_check_per_client_id",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "region_code"], name="campaign_item_area"),
            models.Index(fields=["campaign", "status"], name="campaign_item_status"),
            models.Index(fields=["done_by", "done_at"], name="campaign_item_done"),
        ]
        verbose_name = _("campaign item")
        verbose_name_plural = _("campaign items")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.target_label}"
