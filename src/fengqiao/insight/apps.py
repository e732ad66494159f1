"""App config for insight: dashboards, rollups, map layers."""

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "fengqiao.insight"
    label = "insight"
    verbose_name = "Insight"
