"""Care records (网格民情一本记): one open record per vulnerable household, the needs found
(money, care, medical, schooling …), the help given for each need with its cost, and each
village's service list (who offers what help, and when).

A need may come from a visit (the visit keeps the link) or be raised on its own; the phone
sends needs and help with a client id, so a resend records nothing twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role
from fengqiao.core.visibility import PlacedRow, placed_rule
from fengqiao.regions.models import Grid
from fengqiao.registry.models import Household

CODE_LEN = 24
# Who reads care records: the people who keep them and the leaders who review them.
CARE_READ_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.LEADER,
        Role.CENTRE_STAFF,
        Role.GRID_CHIEF,
        Role.GRID_WORKER,
        Role.UNIT_HEAD,
    }
)
CareRecordQuerySet = placed_rule(roles=CARE_READ_ROLES)
CareNeedQuerySet = placed_rule(field="record__region_code", roles=CARE_READ_ROLES)
CareHelpQuerySet = placed_rule(field="need__record__region_code", roles=CARE_READ_ROLES)


class NeedKind(models.TextChoices):
    MONEY = "money", _("Financial hardship")
    CARE = "care", _("Daily care")
    MEDICAL = "medical", _("Medical")
    SCHOOLING = "schooling", _("Schooling")
    HOUSING = "housing", _("Housing")
    EMPLOYMENT = "employment", _("Employment")
    MENTAL = "mental", _("Psychological care")
    OTHER = "other", _("Other")


class RecordStatus(models.TextChoices):
    OPEN = "open", _("In care")
    CLOSED = "closed", _("Care ended")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HELPING = "helping", _("Being helped")
    MET = "met", _("Met")
    CLOSED = "closed", _("Closed")


class CareRecord(PlacedRow, models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="care_records")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(_("household"), max_length=200)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    status = models.CharField(
        _("status"), max_length=8, choices=RecordStatus.choices, default=RecordStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    objects = CareRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="open"),
                name="one_open_care_record_per_household",
            ),
        ]
        verbose_name = _("care record")
        verbose_name_plural = _("care records")

    def __str__(self) -> str:
        return f"care record {self.pk} ({self.label})"


class CareNeed(models.Model):
    record = models.ForeignKey(CareRecord, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    detail = models.TextField(_("detail"))
    status = models.CharField(
        _("status"), max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised at"), db_index=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        "fieldwork.Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="needs"
    )
    client_id = models.CharField(max_length=64, null=True, blank=True)

    objects = CareNeedQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["raised_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_care_need_per_client_id",
            ),
        ]
        verbose_name = _("care need")
        verbose_name_plural = _("care needs")

    def __str__(self) -> str:
        return f"need {self.pk} {self.kind}"


class CareHelp(models.Model):
    need = models.ForeignKey(CareNeed, on_delete=models.CASCADE, related_name="help")
    given_by_name = models.CharField(_("given by"), max_length=100)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_name = models.CharField(_("unit"), max_length=100, blank=True)
    what = models.CharField(_("help given"), max_length=500)
    given_on = models.DateField(_("given on"))
    cost = models.DecimalField(_("cost (yuan)"), max_digits=10, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    client_id = models.CharField(max_length=64, null=True, blank=True)

    objects = CareHelpQuerySet.as_manager()

    class Meta:
        ordering = ["given_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_care_help_per_client_id",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0) & Q(cost__lte=1_000_000), name="care_help_cost_range"
            ),
        ]
        verbose_name = _("help given")
        verbose_name_plural = _("help given")

    def __str__(self) -> str:
        return f"help {self.pk} on need {self.need_id}"


class ServiceOffer(PlacedRow, models.Model):
    """One line of a village's service list (为民服务清单)."""

    region_code = models.CharField(_("village"), max_length=CODE_LEN, db_index=True)
    name = models.CharField(_("service"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    provider = models.CharField(_("provider"), max_length=100)
    # Sealed like a person's phone: ciphertext, keyed hash, masked form (registry.sealing).
    contact_phone_sealed = models.TextField(blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    contact_phone_masked = models.CharField(
        _("contact phone"), max_length=20, blank=True, editable=False
    )
    schedule = models.CharField(_("when"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField()

    objects = placed_rule().as_manager()

    class Meta:
        ordering = ["region_code", "kind", "name"]
        verbose_name = _("service offer")
        verbose_name_plural = _("service offers")

    def __str__(self) -> str:
        return f"{self.name} @ {self.region_code}"
