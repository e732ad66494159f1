"""The petition record (信访) of a case of kind "petition" and its statutory limits."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.mediation.models import Dispute
from fengqiao.registry.models import Person


class Petition(models.Model):
    """The petition record (信访) of a case of kind "petition", with its statutory limits:
    acknowledge within 15 days of registration, reply within 60 days of acceptance
    (extendable once by up to 30)."""

    # Set by the API on the petition it returns.
    api_history_count: int
    api_actions: list
    api_supervision: dict | None

    class Form(models.TextChoices):
        ONLINE = "online", _("Online")
        VISIT = "visit", _("Walk-in visit")
        LETTER = "letter", _("Letter")
        PHONE = "phone", _("Phone")

    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.PROTECT, related_name="petition"
    )
    form = models.CharField(_("form"), max_length=8, choices=Form.choices)
    petitioner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="petitions"
    )
    petitioner_name = models.CharField(_("petitioner"), max_length=50)
    petitioner_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    petitioner_id_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    visitors = models.PositiveSmallIntegerField(_("number of visitors"), default=1)
    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.SET_NULL, related_name="petitions"
    )
    region_code = models.CharField(max_length=24, db_index=True)
    acknowledge_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    is_accepted = models.BooleanField(null=True)
    reply_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    extended_days = models.PositiveSmallIntegerField(default=0)
    replied_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    warned_for = models.CharField(max_length=16, blank=True)  # the limit last warned about

    class Meta:
        ordering = ["-case__reported_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")

    def __str__(self) -> str:
        return str(self.case)

    # Overdue: past a limit and not answered. These two for a petition in hand, and
    # `petition_overdue_q` (either of them) for a query; a test checks that they agree.
    def acknowledge_overdue(self, now) -> bool:
        return self.acknowledged_at is None and self.acknowledge_due_at < now

    def reply_overdue(self, now) -> bool:
        return bool(
            self.is_accepted
            and self.replied_at is None
            and self.reply_due_at is not None
            and self.reply_due_at < now
        )

    @property
    def is_collective(self) -> bool:
        """Five or more people visiting together (集体访)."""
        return self.visitors >= 5


def petition_overdue_q(now) -> Q:
    """Not acknowledged by its limit, or accepted and not replied to by its limit
    (`Petition.acknowledge_overdue` or `Petition.reply_overdue`)."""
    return Q(acknowledged_at__isnull=True, acknowledge_due_at__lt=now) | Q(
        is_accepted=True, replied_at__isnull=True, reply_due_at__lt=now
    )
