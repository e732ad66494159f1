"""App config for fieldwork: visits and visit plans (later patrols, care records, campaigns)."""

from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "fengqiao.fieldwork"
    label = "fieldwork"
    verbose_name = "Fieldwork"
