"""Case rollups: per-case entries (what each case counts for now) and the daily sums of them."""

from django.db import models

from fengqiao.cases.models import LEVEL_ORDER, Status

STATUS_COLUMNS = {status.value: f"status_{status.value}" for status in Status}
LEVEL_COLUMNS = {level.value: f"level_{level.value}" for level in LEVEL_ORDER}
RESOLVED_COLUMNS = {level.value: f"resolved_{level.value}" for level in LEVEL_ORDER}
COUNTER_COLUMNS = [
    "reported",
    "closed",
    "resolved",
    "on_time",
    *STATUS_COLUMNS.values(),
    *LEVEL_COLUMNS.values(),
    *RESOLVED_COLUMNS.values(),
]


class Scale(models.TextChoices):
    """The area a rollup row sums: one village (12-digit code), county (6) or city (4)."""

    VILLAGE = "village", "village"
    COUNTY = "county", "county"
    CITY = "city", "city"


class RollupWatermark(models.Model):
    """How far the rollup sweep has read the case log; the row is locked while a sweep runs."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    # Event ids below last_event_id not seen yet (a transaction still open, or rolled back):
    # {id: first seen (ISO time)}; looked for again until they appear or grow old.
    gaps = models.JSONField(default=dict, blank=True)
    swept_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class CaseRollupEntry(models.Model):
    """What one case counts for in the rollups now, so a change can take it back exactly."""

    case_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveIntegerField()
    day = models.DateField()  # reported, local date
    region_code = models.CharField(max_length=24)  # the case's own code (village or grid)
    group_id = models.BigIntegerField()  # category group (the category itself if it has none)
    level = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    is_on_time = models.BooleanField()
    closed_day = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"case {self.case_id} v{self.version}"


class CaseDailyRollup(models.Model):
    """Sums over the cases of one area and day: `reported`, the status/level columns, `resolved`,
    `resolved_<level>` and `on_time` count cases *reported* that day (their current state);
    `closed` counts cases *closed* that day."""

    scale = models.CharField(max_length=8, choices=Scale.choices)
    region_code = models.CharField(max_length=12)
    day = models.DateField()
    reported = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    status_reported = models.IntegerField(default=0)
    status_accepted = models.IntegerField(default=0)
    status_dispatched = models.IntegerField(default=0)
    status_claimed = models.IntegerField(default=0)
    status_resolved = models.IntegerField(default=0)
    status_verified = models.IntegerField(default=0)
    status_closed = models.IntegerField(default=0)
    status_rejected = models.IntegerField(default=0)
    status_merged = models.IntegerField(default=0)
    level_grid = models.IntegerField(default=0)
    level_village = models.IntegerField(default=0)
    level_township = models.IntegerField(default=0)
    level_county = models.IntegerField(default=0)
    resolved_grid = models.IntegerField(default=0)
    resolved_village = models.IntegerField(default=0)
    resolved_township = models.IntegerField(default=0)
    resolved_county = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scale", "region_code", "day"], name="unique_case_daily_rollup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day}"


class CaseCategoryRollup(models.Model):
    """Cases reported in one area on one day, by category group."""

    scale = models.CharField(max_length=8, choices=Scale.choices)
    region_code = models.CharField(max_length=12)
    day = models.DateField()
    group_id = models.BigIntegerField()
    reported = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scale", "region_code", "day", "group_id"],
                name="unique_case_category_rollup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.group_id}"
