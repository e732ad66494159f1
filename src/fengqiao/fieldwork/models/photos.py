"""Photos taken on a visit or at a patrol check-in: checked by their bytes and stored with their
SHA-256 (cases.attachments does both), stamped with the parent's area code so `visible_to` works
on the photo itself. A photo is kept once per parent: the same bytes sent again (a phone resending
its outbox) find the row already there."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.visibility import PlacedQuerySet, PlacedRow
from fengqiao.fieldwork.models import Visit
from fengqiao.fieldwork.models.patrols import PatrolCheckIn

CODE_LEN = 24


class FieldPhoto(PlacedRow, models.Model):
    """What a visit photo and a check-in photo share (two tables, so each parent is a plain
    non-null foreign key with its own unique (parent, hash) constraint)."""

    region_code = models.CharField(max_length=CODE_LEN, db_index=True)
    file = models.FileField(upload_to="fieldwork/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    objects = PlacedQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class VisitPhoto(FieldPhoto):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        ordering = ["visit", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "sha256"], name="visit_photo_once"),
        ]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")


class CheckInPhoto(FieldPhoto):
    check_in = models.ForeignKey(PatrolCheckIn, on_delete=models.CASCADE, related_name="photos")

    class Meta:
        ordering = ["check_in", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "sha256"], name="check_in_photo_once"),
        ]
        verbose_name = _("check-in photo")
        verbose_name_plural = _("check-in photos")
