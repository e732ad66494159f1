"""Demo data: a fictional county (枫桥县) with grids, households, people, tags and accounts."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

DEFAULT_SEED = 20261123
PROVINCE_CODE = "430000000000"
CITY_CODE = "439900000000"
# The first (for the `county` scale, only) demo county; its existence means "already seeded".
COUNTY_CODE = "439901000000"
# The demo county's local time, and how far back the generated case and mediation histories go.
SHANGHAI = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 365

# What `seed()` and the histories report their progress to (a line at a time).
Progress = Callable[[str], None]
