"""Patrols (巡查) and volunteer patrol teams (红袖标).

A patrol is uploaded whole by the phone when it stops: its times, its track (a compact JSON
list of [lat, lng, seconds from the start, accuracy in metres]) and the check-ins made on the
way (at a key place, a facility or a free point; a problem found raises a case). The distance
is computed on the server. A volunteer team belongs to an area; its members need not be staff
accounts (their phones are sealed like a person's), and its roster is a list of shifts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.roles import STAFF_ROLES, has_role
from fengqiao.core.scoping import actor_prefixes, around_q
from fengqiao.core.visibility import SYSTEM_ACTOR, PlacedQuerySet, PlacedRow
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Facility, Person, Place

CODE_LEN = 24


class ServedQuerySet(models.QuerySet):
    """A team serves its area: staff see the teams of their jurisdiction and of the areas
    that contain it (a grid worker patrols with the village's team). Changing a team needs
    the team's area inside the jurisdiction (fieldwork.patrols)."""

    scope_field = "region_code"

    def visible_to(self, actor):
        if actor == SYSTEM_ACTOR:
            return self
        if not has_role(actor, STAFF_ROLES):
            return self.none()
        prefixes = actor_prefixes(actor)
        return self if prefixes is None else self.filter(around_q(prefixes, self.scope_field))


class TeamRowQuerySet(ServedQuerySet):
    scope_field = "team__region_code"


class PatrolTeam(models.Model):
    """A 红袖标 volunteer patrol team of a village, community or grid."""

    name = models.CharField(_("name"), max_length=100)
    region_code = models.CharField(_("area code"), max_length=CODE_LEN, db_index=True)
    leader_name = models.CharField(_("leader"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()

    objects = ServedQuerySet.as_manager()

    class Meta:
        ordering = ["region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "name"], name="one_team_name_per_area")
        ]
        verbose_name = _("patrol team")
        verbose_name_plural = _("patrol teams")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(PatrolTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    # Sealed like a person's phone (registry.sealing): ciphertext, keyed hash, masked form.
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = TeamRowQuerySet.as_manager()

    class Meta:
        ordering = ["team", "left_on", "name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return self.name


class TeamShift(models.Model):
    """One turn of the team's roster: a day, a time, who goes and where."""

    team = models.ForeignKey(PatrolTeam, on_delete=models.CASCADE, related_name="shifts")
    date = models.DateField(_("date"), db_index=True)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    members = models.ManyToManyField(TeamMember, related_name="shifts", blank=True)
    note = models.CharField(_("route or area"), max_length=200, blank=True)

    objects = TeamRowQuerySet.as_manager()

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("team shift")
        verbose_name_plural = _("team shifts")

    def __str__(self) -> str:
        return f"{self.team_id} {self.date} {self.starts_at:%H:%M}"


class Patrol(PlacedRow, models.Model):
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols"
    )
    shift = models.ForeignKey(
        TeamShift, null=True, blank=True, on_delete=models.SET_NULL, related_name="patrols"
    )
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"))
    duration_s = models.PositiveIntegerField(_("duration (s)"))
    distance_m = models.PositiveIntegerField(_("distance (m)"))
    # [[lat, lng, seconds from start, accuracy m or null], …] in time order.
    track = models.JSONField(default=list)
    point_count = models.PositiveIntegerField(default=0)
    note = models.TextField(_("note"), blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patroller", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_patrol_per_client_id",
            ),
        ]
        indexes = [
            models.Index(fields=["region_code", "-started_at"], name="patrol_area_time"),
            models.Index(fields=["patroller", "started_at"], name="patrol_person_time"),
        ]
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")

    def __str__(self) -> str:
        return f"patrol {self.pk} {self.started_at:%Y-%m-%d}"


class PatrolCheckIn(models.Model):
    class Result(models.TextChoices):
        OK = "ok", _("All right")
        PROBLEM = "problem", _("Problem found")

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="check_ins")
    place = models.ForeignKey(
        Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("where"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"))
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["patrol", "at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(place__isnull=True) | Q(facility__isnull=True),
                name="check_in_place_or_facility",
            ),
        ]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.label or 'point'} @ {self.at:%H:%M}"
