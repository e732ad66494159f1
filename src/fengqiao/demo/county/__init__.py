"""The demo county's places, people and things: regions, grids and micro-grids, dwellings,
households, people and their tags, organisations, places and facilities."""

BATCH = 1000  # rows per bulk INSERT
