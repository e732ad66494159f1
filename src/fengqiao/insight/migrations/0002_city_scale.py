"""City rollup rows (4-digit areas), summed from the county rows already kept."""

from django.db import migrations, models

COUNTERS = [
    "reported", "closed", "resolved", "on_time",
    "status_reported", "status_accepted", "status_dispatched", "status_claimed",
    "status_resolved", "status_verified", "status_closed", "status_rejected", "status_merged",
    "level_grid", "level_village", "level_township", "level_county",
    "resolved_grid", "resolved_village", "resolved_township", "resolved_county",
]  # fmt: skip


def city_rows(apps, schema_editor):
    names = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)
    schema_editor.execute(
        f"INSERT INTO insight_casedailyrollup (scale, region_code, day, {names}) "  # noqa: S608
        f"SELECT 'city', substr(region_code, 1, 4), day, {sums} FROM insight_casedailyrollup "
        "WHERE scale = 'county' GROUP BY substr(region_code, 1, 4), day"
    )
    schema_editor.execute(
        "INSERT INTO insight_casecategoryrollup (scale, region_code, day, group_id, reported) "
        "SELECT 'city', substr(region_code, 1, 4), day, group_id, SUM(reported) "
        "FROM insight_casecategoryrollup WHERE scale = 'county' "
        "GROUP BY substr(region_code, 1, 4), day, group_id"
    )


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="casecategoryrollup",
            name="scale",
            field=models.CharField(
                choices=[("village", "village"), ("county", "county"), ("city", "city")],
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="casedailyrollup",
            name="scale",
            field=models.CharField(
                choices=[("village", "village"), ("county", "county"), ("city", "city")],
                max_length=8,
            ),
        ),
        migrations.RunPython(city_rows, migrations.RunPython.noop),
    ]
