"""Every screening round becomes a campaign of kind "screening" with one item per grid of its
village (the grids it had, and any grid that reported); the items of grids that reported are
ticked with the report's author, time and note. The tables are the engine's (campaigns)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


def _code(opened_at) -> str:
    return f"PC{opened_at:%Y%m%d}{uuid.uuid4().hex[:6].upper()}"


def forwards(apps, schema_editor):
    ScreeningRound = apps.get_model("mediation", "ScreeningRound")
    ScreeningReport = apps.get_model("mediation", "ScreeningReport")
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignItem = apps.get_model("campaigns", "CampaignItem")
    Grid = apps.get_model("regions", "Grid")
    rounds = ScreeningRound.objects.filter(campaign__isnull=True).select_related("village")
    for screening_round in rounds.iterator(chunk_size=200):
        village = screening_round.village
        campaign = Campaign.objects.create(
            code=_code(screening_round.opened_at),
            title=(
                f"矛盾纠纷排查 {village.name} "
                f"{screening_round.starts_on:%Y-%m-%d}–{screening_round.ends_on:%Y-%m-%d}"
            )[:100],
            kind="screening",
            checklist=[],
            region_code=screening_round.region_code,
            deadline=screening_round.ends_on,
            status="open",
            created_by_id=screening_round.opened_by_id,
            created_at=screening_round.opened_at,
        )
        reports = {
            r.grid_id: r for r in ScreeningReport.objects.filter(round=screening_round)
        }
        grids = Grid.objects.filter(
            models.Q(village_id=village.pk, parent__isnull=True) | models.Q(pk__in=list(reports))
        ).order_by("code")
        items = []
        for grid in grids:
            report = reports.get(grid.pk)
            items.append(
                CampaignItem(
                    campaign=campaign,
                    region_code=grid.code,
                    grid=grid,
                    target_label=grid.name[:200],
                    status="done" if report else "pending",
                    note=report.note if report else "",
                    done_by_id=report.reported_by_id if report else None,
                    done_at=report.reported_at if report else None,
                )
            )
        CampaignItem.objects.bulk_create(items, batch_size=1000)
        screening_round.campaign = campaign
        screening_round.save(update_fields=["campaign"])


def backwards(apps, schema_editor):
    ScreeningRound = apps.get_model("mediation", "ScreeningRound")
    Campaign = apps.get_model("campaigns", "Campaign")
    CampaignItem = apps.get_model("campaigns", "CampaignItem")
    ids = list(ScreeningRound.objects.exclude(campaign=None).values_list("campaign_id", flat=True))
    ScreeningRound.objects.update(campaign=None)
    CampaignItem.objects.filter(campaign_id__in=ids).delete()
    Campaign.objects.filter(pk__in=ids).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0002_grid_kinds"),
        ("mediation", "0002_petitioner_id_masked_region_and_check_only"),
        ("regions", "0002_map_layers_gazetteer"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeninground",
            name="campaign",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="screening_round",
                to="campaigns.campaign",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
