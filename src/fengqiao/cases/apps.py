"""App config for cases: one lifecycle for every channel."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fengqiao.cases"
    label = "cases"
    verbose_name = "Cases"
