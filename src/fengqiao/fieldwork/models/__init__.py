"""Visits (入户走访) and visit plans (how often a person with a tag must be seen).

A visit goes to one household, dwelling, place or organisation (exactly one), by a staff
member, at a time and GPS point; the people met are linked, so "when was this person last
seen" is one indexed query on `VisitPerson`, and "visits due" is a query against the plans,
not a timer. A finding may raise a case (the visit keeps it)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.visibility import PlacedQuerySet, PlacedRow
from fengqiao.regions.models import Grid
from fengqiao.registry.models import (
    Dwelling,
    Facility,
    Household,
    Organization,
    Person,
    PersonTag,
    Place,
)

CODE_LEN = 24


class Purpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    CARE = "care", _("Care and help")
    CHECK = "check", _("Check of information")
    FOLLOW_UP = "follow_up", _("Follow-up")
    OTHER = "other", _("Other")


class Target(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    DWELLING = "dwelling", _("Dwelling")
    PLACE = "place", _("Place")
    ORGANIZATION = "organization", _("Organisation")
    FACILITY = "facility", _("Facility")


class VisitPlan(models.Model):
    """A county's (or township's) rule: people with `tag` inside `region_code` are visited at
    least every `every_days` days. The most specific plan for a tag applies."""

    tag = models.ForeignKey(PersonTag, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(_("area code"), max_length=CODE_LEN, db_index=True)
    every_days = models.PositiveSmallIntegerField(_("visit at least every (days)"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "tag__code"]
        constraints = [
            models.UniqueConstraint(fields=["tag", "region_code"], name="one_plan_per_tag_area"),
            models.CheckConstraint(
                condition=Q(every_days__gte=1) & Q(every_days__lte=366), name="plan_days_range"
            ),
        ]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")

    def __str__(self) -> str:
        return f"{self.tag_id} @ {self.region_code}: {self.every_days} d"


class Visit(PlacedRow, models.Model):
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(_("visited"), max_length=16, choices=Target.choices)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    dwelling = models.ForeignKey(
        Dwelling, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    target_label = models.CharField(_("visited"), max_length=200)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    visited_at = models.DateTimeField(_("visited at"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    findings = models.TextField(_("findings"), blank=True)
    people = models.ManyToManyField(Person, through="VisitPerson", related_name="+")
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_visit_per_client_id",
            ),
        ]
        indexes = [models.Index(fields=["region_code", "-visited_at"], name="visit_area_time")]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"visit {self.pk} {self.visited_at:%Y-%m-%d}"


class VisitPerson(models.Model):
    """A person met on a visit (with the visit's time, so the last contact is one lookup)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="met")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "person"], name="person_once_per_visit")
        ]
        indexes = [models.Index(fields=["person", "-visited_at"], name="person_last_visit")]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.visit_id}"


# Each part of fieldwork keeps its tables in a module of its own (patrols, care records,
# key-people help plans, household groups); importing them here registers them with the app
# and keeps `fengqiao.fieldwork.models` the one import path. Campaigns live in
# fengqiao.campaigns (the engine mediation's screening rounds share).
from fengqiao.fieldwork.models.care import (  # noqa: E402,F401
    CareHelp,
    CareNeed,
    CareRecord,
    NeedKind,
    NeedStatus,
    RecordStatus,
    ServiceOffer,
)
from fengqiao.fieldwork.models.groups import (  # noqa: E402,F401
    Broadcast,
    BroadcastReceipt,
    ElectedAs,
    ElectionCandidate,
    GroupElection,
    GroupMeeting,
    PartyContact,
    PartyContactVisit,
)
from fengqiao.fieldwork.models.helpplans import (  # noqa: E402,F401
    ContactMode,
    HelpContact,
    HelpKind,
    HelpPlan,
    HelpPlanMember,
)
from fengqiao.fieldwork.models.patrols import (  # noqa: E402,F401
    Patrol,
    PatrolCheckIn,
    PatrolTeam,
    TeamMember,
    TeamShift,
)
from fengqiao.fieldwork.models.photos import CheckInPhoto, VisitPhoto  # noqa: E402,F401
