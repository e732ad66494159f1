"""App config for regions and grids."""

from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fengqiao.regions"
    label = "regions"
    verbose_name = "Regions and grids"
