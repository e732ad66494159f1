"""App config for the registry of people, households, dwellings and organisations."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fengqiao.registry"
    label = "registry"
    verbose_name = "Registry"
