"""Notices (村务公开): village affairs published to the residents of a region, and their log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PARTY = "party", _("Party affairs")
    VILLAGE = "village", _("Village affairs")
    FINANCE = "finance", _("Finances")
    SERVICE = "service", _("Services")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Notice(models.Model):
    """A notice for every resident under `region_code` (the prefix of a village or of a
    region above it: a township's notice reaches all its villages)."""

    region_code = models.CharField(_("published for"), max_length=12, db_index=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [
            # The resident's list: published notices of a few region codes, pinned first.
            models.Index(
                fields=["region_code", "status", "-published_at"], name="notice_resident_list"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="notice_published_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.title


class NoticeEvent(models.Model):
    """One row per write to a notice: who did what, when, and the before → after of the
    notice's fields. Append-only (database triggers) and chained with the chain key
    (core.chain, participation.chainlog)."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Edited")
        PUBLISH = "publish", _("Published")
        WITHDRAW = "withdraw", _("Withdrawn")
        BASELINE = "baseline", _("Log re-sealed")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(default=0)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    # {field: [old, new]} (participation.chainlog.TRACKED; the text by its SHA-256).
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["notice_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "seq"], name="unique_notice_event_seq"),
        ]
        verbose_name = _("notice log entry")
        verbose_name_plural = _("notice log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.notice_id}"
