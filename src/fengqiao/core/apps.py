"""App config for the shared kernel."""

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoreConfig(AppConfig):
    name = "fengqiao.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from fengqiao.core.configcache import config_changed
        from fengqiao.core.models import WorkdayOverride

        for signal in (post_save, post_delete):
            signal.connect(
                config_changed, sender=WorkdayOverride, dispatch_uid=f"config-workday-{signal}"
            )
