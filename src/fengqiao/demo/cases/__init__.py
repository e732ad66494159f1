"""The demo county's cases: handling units and a year of case history, made by running the
real case services (the mediation history runs beside it on the same timeline)."""
