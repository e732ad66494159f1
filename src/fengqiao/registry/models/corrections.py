"""A resident's request to correct what the registry holds about them (/h5/me/)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role
from fengqiao.core.visibility import PlacedRow, placed_rule
from fengqiao.registry.models import CODE_LEN, Person

CORRECTION_RULE = placed_rule(roles=frozenset({Role.ADMIN, Role.CENTRE_STAFF}))


class CorrectionRequest(PlacedRow, models.Model):
    """A resident asks for a field of their own record to be corrected; centre staff of the
    person's jurisdiction mark it done (after editing) or rejected."""

    class Field(models.TextChoices):
        NAME = "name", _("Name")
        ID_NUMBER = "id_number", _("ID number")
        BIRTH_DATE = "birth_date", _("Date of birth")
        SEX = "sex", _("Sex")
        ETHNICITY = "ethnicity", _("Ethnicity")
        PHONE = "phone", _("Phone")
        RESIDENCE = "residence", _("Residence status")
        HOUSEHOLD = "household", _("Household")
        ADDRESS = "address", _("Address")
        TAGS = "tags", _("Tags")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Corrected")
        REJECTED = "rejected", _("Rejected")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    requested_value = models.CharField(_("what it should say"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    reply = models.CharField(_("reply"), max_length=200, blank=True)

    objects = CORRECTION_RULE.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return f"correction {self.pk} of person {self.person_id}"
