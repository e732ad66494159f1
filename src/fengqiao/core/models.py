"""Shared tables: the personal-data access log, working-calendar overrides, chain digests."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One row per reveal or export of personal data."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("Reveal")
        EXPORT = "export", _("Export")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_logs"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    field = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    region_code = models.CharField(max_length=24, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}"


class WorkdayOverride(models.Model):
    """Marks a date as working or not, for years chinese-calendar does not know yet."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"


class AuditEntry(models.Model):
    """One row per write by a service or an admin page: who changed what, from what to what.

    Append-only at the database (migration 0003_audit_append_only). Personal data never
    appears in `changes`: sealed fields are recorded as "***" (core.audit).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    entity_type = models.CharField(_("entity type"), max_length=60, db_index=True)
    entity_id = models.CharField(_("entity id"), max_length=64, blank=True, db_index=True)
    region_code = models.CharField(_("jurisdiction code"), max_length=24, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["entity_type", "entity_id"], name="audit_entity_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.entity_type}"


class ChainDigest(models.Model):
    """One day's seal over the heads of every keyed chain (core.digest), signed with Ed25519
    and chained to the day before; exported so that a copy is kept outside the database."""

    day = models.DateField(unique=True)
    sealed_at = models.DateTimeField()
    # {chain kind: [[record id, record label, last seq, last hash], ...]}
    heads = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    public_key = models.CharField(max_length=60)

    class Meta:
        ordering = ["day"]
        verbose_name = _("chain digest")
        verbose_name_plural = _("chain digests")

    def __str__(self) -> str:
        return f"{self.day} {self.hash[:12]}"
