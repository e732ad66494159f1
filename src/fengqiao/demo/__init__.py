"""Demo data: a fictional county (枫桥县) with grids, households, people, tags and accounts."""

DEFAULT_SEED = 20261123
PROVINCE_CODE = "430000000000"
CITY_CODE = "439900000000"
# The first (for the `county` scale, only) demo county; its existence means "already seeded".
COUNTY_CODE = "439901000000"
