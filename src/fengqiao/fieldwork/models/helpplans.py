"""Key people's help plans (帮教): community correction, community drug rehab and recovery, severe
mental illness. A plan names the person, the responsible people and how often they must be
contacted; each contact done is a row.

The kind is sealed like a sensitive tag (ciphertext + a hash keyed per person, no clear kind
column), so a dump of this table does not group people by kind; the day a drug-rehab returnee
came back and the notes are sealed too (a clear return date would single out drug rehab)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import SENSITIVE_TAG_ROLES
from fengqiao.core.visibility import PlacedRow, placed_rule
from fengqiao.registry.models import Person

CODE_LEN = 24


class HelpKind(models.TextChoices):
    CORRECTION = "correction", _("Community correction")
    DRUG_REHAB = "drug_rehab", _("Community drug rehabilitation")
    MENTAL_ILLNESS = "mental_illness", _("Severe mental illness")


class ContactMode(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone call")
    TALK = "talk", _("Talk")


class HelpPlan(PlacedRow, models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    kind_sealed = models.TextField()
    kind_hash = models.CharField(max_length=64)
    starts_on = models.DateField(_("starts on"))
    returned_on_sealed = models.TextField(blank=True)
    contact_every_days = models.PositiveSmallIntegerField(_("contact every (days)"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    notes_sealed = models.TextField(blank=True)
    close_reason_sealed = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    # Jurisdiction rule of the roles that may see sensitive tags; the plan's responsible
    # people see it too (fieldwork.helpplans.plans_visible_to).
    objects = placed_rule(roles=SENSITIVE_TAG_ROLES).as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind_hash"],
                condition=Q(status="active"),
                name="one_active_help_plan_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(contact_every_days__gte=1) & Q(contact_every_days__lte=366),
                name="help_plan_days_range",
            ),
        ]
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")

    def __str__(self) -> str:
        # Never the kind: it must not leak through a repr or a log line.
        return f"help plan {self.pk} of person {self.person_id}"


class HelpPlanMember(models.Model):
    """A responsible person of a plan (社区民警, 网格员, 村干部, 家属, 社工 …)."""

    plan = models.ForeignKey(HelpPlan, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="help_duties"
    )
    duty = models.CharField(_("duty"), max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "user"], name="help_member_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on help plan {self.plan_id}"


class HelpContact(models.Model):
    """A contact done: the day it was due under the plan's schedule, when it was made, by whom."""

    plan = models.ForeignKey(HelpPlan, on_delete=models.CASCADE, related_name="contacts")
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("how"), max_length=8, choices=ContactMode.choices)
    note_sealed = models.TextField(blank=True)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-done_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["by", "client_id"],
                condition=Q(client_id__isnull=False),
                name="one_help_contact_per_client_id",
            ),
        ]
        indexes = [models.Index(fields=["plan", "-done_at"], name="help_contact_last")]

    def __str__(self) -> str:
        return f"help contact {self.pk} on plan {self.plan_id}"
