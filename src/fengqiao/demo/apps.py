"""App config for the demo county: installed for its `demo` and `seed` commands; no tables."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fengqiao.demo"
    label = "demo"
    verbose_name = "Demo county"
