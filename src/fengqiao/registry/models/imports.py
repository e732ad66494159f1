"""Import jobs of the registry importer (registry/imports/) and their rejected rows."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One import of a file (registry.imports), checkpointed after every committed batch.

    "valid_rows": a rerun of the same file by the same person continues after `last_row`; each
    batch is one transaction that writes its rows, its errors and the new checkpoint together,
    so a crash (even `kill -9`) leaves either the whole batch or none of it. "all_or_nothing":
    the whole file is one transaction, committed only when every row is valid ("rejected"
    otherwise, with its errors).
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected, nothing saved")

    class Kind(models.TextChoices):  # registry.imports.SPECS has one spec for each
        PEOPLE = "people", _("people")
        DWELLINGS = "dwellings", _("dwellings")
        HOUSEHOLDS = "households", _("households")
        HOUSEHOLD_GROUPS = "household_groups", _("household groups")
        ORGANIZATIONS = "organizations", _("organisations")
        PLACES = "places", _("places")
        FACILITIES = "facilities", _("facilities")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PEOPLE)
    mode = models.CharField(_("mode"), max_length=16, default="valid_rows")
    filename = models.CharField(_("file name"), max_length=200)
    file_hash = models.CharField(max_length=64, db_index=True)
    file_size = models.BigIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True)
    options = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    message = models.TextField(blank=True)
    # Rows of the kind's table with a larger id were written by this job: a duplicate found
    # among them is a repeat within the file, not a row registered before.
    id_floor = models.BigIntegerField(default=0)
    last_row = models.IntegerField(_("last committed row"), default=0)
    rows_done = models.IntegerField(_("rows done"), default=0)
    rows_estimate = models.IntegerField(default=0)
    created = models.IntegerField(_("created"), default=0)
    unchanged = models.IntegerField(_("already present"), default=0)
    error_rows = models.IntegerField(_("rows with errors"), default=0)
    batches = models.IntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"import {self.pk} of {self.filename}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_estimate:
            return 0
        return min(99, self.rows_done * 100 // self.rows_estimate)


class ImportRowError(models.Model):
    """A rejected row of a streaming import (row as a spreadsheet shows it, column, reason)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.IntegerField()
    column = models.CharField(max_length=100)
    reason = models.TextField()

    class Meta:
        ordering = ["job", "row", "pk"]
        indexes = [models.Index(fields=["job", "row"], name="importrowerror_job_row")]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"
