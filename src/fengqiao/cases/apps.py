"""App config for cases: one lifecycle for every channel."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CasesConfig(AppConfig):
    name = "fengqiao.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self):
        # Intake keeps per-process copies of these tables (core.configcache).
        from fengqiao.cases.models import Category, SlaRule
        from fengqiao.core.configcache import config_changed

        for model in (Category, SlaRule):
            for signal in (post_save, post_delete):
                signal.connect(
                    config_changed, sender=model, dispatch_uid=f"config-{model.__name__}-{signal}"
                )
