"""App config for participation: notices (later topics, polls, service orders, wishes)."""

from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "fengqiao.participation"
    label = "participation"
    verbose_name = "Participation"
