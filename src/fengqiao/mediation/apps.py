"""App config for mediation: disputes and petitions join the case lifecycle as case kinds."""

from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "fengqiao.mediation"
    label = "mediation"
    verbose_name = "Mediation"

    def ready(self) -> None:
        from fengqiao.mediation import workflow

        workflow.register()
