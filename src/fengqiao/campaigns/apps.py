"""App config for campaigns (排查任务): the one engine that sends work to the grids — fieldwork's
checks of households, dwellings, places, facilities, clues or grids, and mediation's screening
rounds — with its items, progress, stragglers and reminders."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "fengqiao.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
