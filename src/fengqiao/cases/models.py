"""Cases (事件), their append-only hash-chained log, categories, SLA rules, units, inbox."""

from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role
from fengqiao.core.scoping import code_within, contains, prefix_q
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Dwelling, Person


class Level(models.TextChoices):
    GRID = "grid", _("Grid")
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")


LEVEL_ORDER = [Level.GRID, Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY]


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    CLAIMED = "claimed", _("Claimed")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged as duplicate")


OPEN_STATUSES = [
    Status.REPORTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.CLAIMED,
    Status.RESOLVED,
    Status.VERIFIED,
]
# Resolved (化解) or beyond: the dashboard's `resolved`, a dispute's `settled`.
RESOLVED_STATUSES = [Status.RESOLVED, Status.VERIFIED, Status.CLOSED]


def case_overdue_q(now, prefix: str = "") -> Q:
    """Open and past its current deadline; `Case.is_overdue` for a case in hand. `prefix`
    reaches the case from another table ("case__")."""
    return Q(**{f"{prefix}status__in": OPEN_STATUSES, f"{prefix}due_at__lt": now})


class Channel(models.TextChoices):
    GRID_APP = "grid_app", _("Grid-worker app")
    PORTAL = "portal", _("Resident portal")
    HOTLINE = "hotline", _("Hotline 12345")
    VIDEO = "video", _("Video alert")
    POLICE = "police", _("Police 110 referral")
    WALK_IN = "walk_in", _("Walk-in")
    CAMPAIGN = "campaign", _("Campaign finding")
    SCREENING = "screening", _("Dispute screening")
    PETITION = "petition", _("Petition")
    REFERRAL = "referral", _("Referral from court, procuratorate or police")
    OPEN311 = "open311", _("Open311")
    OTHER = "other", _("Other")


class Kind(models.TextChoices):
    """A case kind brings its own record (a dispute file, a petition) and extra steps."""

    GENERAL = "general", _("Case")
    DISPUTE = "dispute", _("Dispute")
    PETITION = "petition", _("Petition")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Category(models.Model):
    """Two-level taxonomy: a group (parent=None) and its categories."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    start_level = models.CharField(
        _("starting level"), max_length=16, choices=Level.choices, default=Level.GRID
    )
    is_active = models.BooleanField(_("active"), default=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")

    def __str__(self) -> str:
        return self.name


class SlaRule(models.Model):
    """Time allowed to accept, claim and resolve a case of a category at a level."""

    class Unit(models.TextChoices):
        WORKDAYS = "workdays", _("Working days")
        WORKHOURS = "workhours", _("Working hours")
        MINUTES = "minutes", _("Minutes (round the clock)")

    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_rules",
        help_text=_("Empty: the default for every category."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    accept_within = models.FloatField(_("accept within"))
    claim_within = models.FloatField(_("claim within"))
    resolve_within = models.FloatField(_("resolve within"))
    warn_ratio = models.FloatField(
        _("warn when this share of the time is used"),
        default=0.75,
    )
    escalate_on_breach = models.BooleanField(_("escalate when overdue"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "level"], name="unique_sla_rule"),
            # One default (no category) per level: a partial index, which SQLite enforces too
            # (NULLS NOT DISTINCT is PostgreSQL only).
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(category__isnull=True),
                name="one_default_sla_rule_per_level",
            ),
            models.CheckConstraint(
                condition=Q(warn_ratio__gt=0) & Q(warn_ratio__lt=1), name="warn_ratio_in_0_1"
            ),
        ]
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")

    def __str__(self) -> str:
        return f"{self.category or '*'} @ {self.level}"


class HandlingUnit(models.Model):
    """A department that handles dispatched cases (派出所, 司法所, 城管, …)."""

    # Set by cases.routing for one case (never stored): the unit handles its category, and
    # is the one suggested.
    handles: bool
    suggested: bool

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=40)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=24, db_index=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="handling_units"
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="units")

    class Meta:
        ordering = ["region_code", "name"]
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Category × place → the unit its cases should go to (分拨规则). The rule with the longest
    place code containing the case wins (cases.routing); a rule on a group covers its
    categories. Only a suggestion: the operator may send the case elsewhere."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    region_code = models.CharField(
        _("place (region code or its prefix)"),
        max_length=24,
        db_index=True,
        validators=[RegexValidator(r"^[0-9]{2,24}$", _("Digits of a region or grid code."))],
    )
    unit = models.ForeignKey(
        HandlingUnit,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("handling unit"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["category__code", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "region_code"], name="one_rule_per_place")
        ]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.category} @ {self.region_code} → {self.unit}"

    def clean(self) -> None:
        # A rule may only name a unit that serves its whole place.
        if (
            self.unit_id
            and self.region_code
            and not contains(self.unit.region_code, self.region_code)
        ):
            raise ValidationError(
                {"unit": _("%(unit)s does not serve this place.") % {"unit": self.unit.name}}
            )


class CaseDaySequence(models.Model):
    """The last case number issued on a day; incremented under a row lock."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


SYSTEM_ACTOR = "system"  # the worker's sweeps (cases.workflow.SYSTEM); never a request


def case_visibility_q(actor, via: str = "") -> Q | None:
    """The only definition of who may see a case, as a filter (None: every case).

    Staff see the cases whose place lies inside their jurisdiction, the cases assigned to them
    and the cases with a handling unit they belong to; a resident sees the cases they reported.
    `via` is the path to the case from another model (e.g. "case__" for a dispute)."""
    if actor == SYSTEM_ACTOR:
        return None
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    if actor.is_superuser:
        return None
    if actor.role == Role.RESIDENT:
        return Q(**{f"{via}reporter": actor})
    own_units = HandlingUnit.members.through.objects.filter(user_id=actor.pk).values(
        "handlingunit_id"
    )
    return (
        prefix_q(actor.scope_prefixes() or [], f"{via}region_code")
        | Q(**{f"{via}assignee": actor})
        | Q(**{f"{via}unit__in": own_units})
    )


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, actor) -> Self:
        """Cases `actor` may see (case_visibility_q); selectors, services, pages, API and
        exports all start here."""
        q = case_visibility_q(actor)
        return self if q is None else self.filter(q)


class Case(models.Model):
    # Set on the instance a service or the API returns, never stored: whether case_report
    # made it (or found it by client_id), its report event, and what the API's case page adds.
    is_new: bool
    report_event: "CaseEvent"
    api_timeline: list
    api_actions: list
    api_candidates: list
    api_attachments: list
    api_warnings: list
    api_supervision: dict | None

    code = models.CharField(_("case number"), max_length=20, unique=True)
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.GENERAL, db_index=True
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region_code = models.CharField(max_length=24, db_index=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    callback_phone_sealed = models.TextField(blank=True)
    callback_phone_masked = models.CharField(_("callback phone"), max_length=20, blank=True)
    is_anonymous = models.BooleanField(default=False)
    people = models.ManyToManyField(Person, blank=True, related_name="cases")
    dwellings = models.ManyToManyField(Dwelling, blank=True, related_name="cases")
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.REPORTED,
        db_index=True,
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    unit = models.ForeignKey(
        HandlingUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    master = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    duplicate_candidates = models.JSONField(default=list, blank=True)
    reported_at = models.DateTimeField(db_index=True)
    stage_started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(null=True, blank=True, db_index=True)
    warned_for = models.CharField(max_length=40, blank=True)
    resolve_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=300, blank=True)
    result = models.TextField(_("result"), blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["region_code", "status"]),
            models.Index(fields=["status", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="rating_1_to_5",
            ),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now) -> bool:
        """case_overdue_q for the case in hand."""
        return self.is_open and self.due_at is not None and self.due_at < now

    def is_visible_to(self, actor) -> bool:
        """case_visibility_q for the case in hand, without a query where the row answers."""
        if actor == SYSTEM_ACTOR:
            return True
        if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return False
        if actor.is_superuser:
            return True
        if actor.role == Role.RESIDENT:
            return self.reporter_id == actor.pk
        if self.assignee_id == actor.pk or code_within(actor, self.region_code):
            return True
        return bool(
            self.unit_id
            and HandlingUnit.members.through.objects.filter(
                handlingunit_id=self.unit_id, user_id=actor.pk
            ).exists()
        )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("case events are append-only")

    def delete(self):
        raise PermissionError("case events are append-only")


class CaseEvent(models.Model):
    """One step of a case. Append-only (also enforced by database triggers): each row is
    sealed with the chain key over its fields, its changes and the hash of the one before."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=80)
    at = models.DateTimeField(db_index=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_level = models.CharField(max_length=16, blank=True)
    to_level = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # {field: [old, new]} for each case-row field this step changed (cases.hashchain.TRACKED).
    changes = models.JSONField(default=dict, blank=True)
    # The case number when the event was written ("" while the report is still unnumbered).
    case_code = models.CharField(max_length=20, blank=True)
    region_code = models.CharField(max_length=24, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="unique_case_event_seq"),
        ]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("case events are append-only")


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """In-app inbox entry for someone who must act next."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24)
    message = models.CharField(max_length=200)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class NotificationPreference(models.Model):
    """How one person wants to hear besides the inbox: text messages about their own reports
    (residents), deadline warnings and 督办 (staff), and one daily digest of what is unread.
    The phone is sealed like every phone; without one (and, for a resident, without a phone
    on their registry record) nothing goes out by text."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_masked = models.CharField(_("phone for text messages"), max_length=20, blank=True)
    sms_case_updates = models.BooleanField(_("text me the steps of cases I reported"), default=True)
    sms_warnings = models.BooleanField(_("text me deadline warnings and supervision"), default=True)
    daily_digest = models.BooleanField(_("a daily digest of unread notifications"), default=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone_masked}"


class NotificationDigest(models.Model):
    """One daily digest sent (or found empty) for one person and day: the row claims the day,
    so two workers or a rerun never send it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    unread = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class Open311Client(models.Model):
    """An Open311 application allowed to POST requests (its api_key is stored hashed)."""

    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name
