"""Insight: jurisdiction dashboards from rollups the worker keeps up to date."""
