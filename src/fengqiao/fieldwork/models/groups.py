"""Household groups at work (十户联防/联户): the elections of their heads, the centre's
broadcasts to the heads with a receipt per group (read, passed on), the group meetings a
head confirms, and the party members' contact households (党员联户) with their visits.

The groups themselves (members, head, deputies) stay in the registry (HouseholdGroup); an
election here sets the head and deputies there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.visibility import PlacedQuerySet, PlacedRow
from fengqiao.registry.models import Household, HouseholdGroup, Person

CODE_LEN = 24


class ElectedAs(models.TextChoices):
    HEAD = "head", _("Group head")
    DEPUTY = "deputy", _("Deputy head")
    NONE = "none", _("Not elected")


class GroupElection(PlacedRow, models.Model):
    group = models.ForeignKey(HouseholdGroup, on_delete=models.PROTECT, related_name="elections")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    held_on = models.DateField(_("held on"))
    term_ends = models.DateField(_("term ends"))
    turnout = models.PositiveIntegerField(_("households voting"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("group election")
        verbose_name_plural = _("group elections")

    def __str__(self) -> str:
        return f"{self.group_id} {self.held_on}"


class ElectionCandidate(models.Model):
    election = models.ForeignKey(GroupElection, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    votes = models.PositiveIntegerField(_("votes"))
    elected_as = models.CharField(
        _("elected as"), max_length=8, choices=ElectedAs.choices, default=ElectedAs.NONE
    )
    party_member = models.BooleanField(_("party member"), default=False)
    retired_cadre = models.BooleanField(_("retired cadre"), default=False)
    veteran = models.BooleanField(_("veteran"), default=False)
    clan_elder = models.BooleanField(_("clan elder"), default=False)
    other = models.CharField(_("other background"), max_length=100, blank=True)

    class Meta:
        ordering = ["election", "-votes", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.votes}"


class Broadcast(PlacedRow, models.Model):
    """A notice from the centre to the heads (and deputies) of the groups of an area."""

    region_code = models.CharField(_("area code"), max_length=CODE_LEN, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("broadcast to group heads")
        verbose_name_plural = _("broadcasts to group heads")

    def __str__(self) -> str:
        return self.title


class BroadcastReceipt(PlacedRow, models.Model):
    """One per group a broadcast reached: read by its head, passed on to its households."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="receipts")
    group = models.ForeignKey(HouseholdGroup, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    head = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    head_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="broadcast_receipts",
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    relayed_at = models.DateTimeField(_("passed on at"), null=True, blank=True)
    confirmed_count = models.PositiveIntegerField(_("households told"), default=0)
    sms_sent = models.BooleanField(default=False)

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["broadcast", "group__code"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "group"], name="one_receipt_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.group_id}"


class GroupMeeting(PlacedRow, models.Model):
    """A meeting of a household group and the households that came (confirmed by the head)."""

    group = models.ForeignKey(HouseholdGroup, on_delete=models.PROTECT, related_name="meetings")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=200)
    attended = models.ManyToManyField(Household, related_name="+", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_meeting_per_client_id",
            )
        ]
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")

    def __str__(self) -> str:
        return f"{self.group_id} {self.held_on} {self.topic}"


class PartyContact(PlacedRow, models.Model):
    """党员联户: a party member and the 10–30 households they keep in touch with."""

    MIN_HOUSEHOLDS = 10
    MAX_HOUSEHOLDS = 30

    member = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_contacts",
    )
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    households = models.ManyToManyField(Household, related_name="party_contacts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "pk"]
        verbose_name = _("party member contact")
        verbose_name_plural = _("party member contacts")

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.region_code}"


class PartyContactVisit(PlacedRow, models.Model):
    contact = models.ForeignKey(PartyContact, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_contact_visit_per_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.household_id} {self.at:%Y-%m-%d}"
