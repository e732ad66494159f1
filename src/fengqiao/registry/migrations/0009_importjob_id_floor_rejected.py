# The import engine imports every kind of registry row: the floor of "rows this job wrote"
# is the kind's table's, the kind is one of the specs, and an all-or-nothing job with errors
# ends "rejected".

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_correction_request"),
    ]

    operations = [
        migrations.RenameField(
            model_name="importjob",
            old_name="person_id_floor",
            new_name="id_floor",
        ),
        migrations.AlterField(
            model_name="importjob",
            name="kind",
            field=models.CharField(
                choices=[
                    ("people", "people"),
                    ("dwellings", "dwellings"),
                    ("households", "households"),
                    ("household_groups", "household groups"),
                    ("organizations", "organisations"),
                    ("places", "places"),
                    ("facilities", "facilities"),
                ],
                default="people",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                    ("rejected", "Rejected, nothing saved"),
                ],
                default="queued",
                max_length=8,
            ),
        ),
    ]
