"""Person: drop the clear birth date (sealed in 0004); the birth year becomes required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_person_birth_year_sealed_date")]

    operations = [
        migrations.RemoveField(model_name="person", name="birth_date"),
        migrations.AlterField(
            model_name="person",
            name="birth_year",
            field=models.PositiveSmallIntegerField(verbose_name="year of birth"),
        ),
    ]
