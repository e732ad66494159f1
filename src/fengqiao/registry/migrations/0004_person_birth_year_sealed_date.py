"""Person: birth year in clear, full birth date sealed; ID masks keep only region + check."""

from datetime import date

from django.db import migrations, models

BATCH = 2000


def forwards(apps, schema_editor):
    from fengqiao.core import crypto
    from fengqiao.core.idnumbers import mask_id_number

    Person = apps.get_model("registry", "Person")
    last = 0
    while True:
        batch = list(
            Person.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "birth_date", "id_number_sealed", "id_number_masked")[:BATCH]
        )
        if not batch:
            break
        for person in batch:
            born = person.birth_date
            person.birth_year = born.year
            person.birth_date_sealed = crypto.encrypt(born.isoformat())
            if person.id_number_sealed:
                person.id_number_masked = mask_id_number(crypto.decrypt(person.id_number_sealed))
        Person.objects.bulk_update(
            batch, ["birth_year", "birth_date_sealed", "id_number_masked"], batch_size=500
        )
        last = batch[-1].pk


def backwards(apps, schema_editor):
    from fengqiao.core import crypto

    Person = apps.get_model("registry", "Person")
    for person in Person.objects.only("pk", "birth_date_sealed", "birth_year").iterator():
        if person.birth_date_sealed:
            person.birth_date = date.fromisoformat(crypto.decrypt(person.birth_date_sealed))
        else:
            person.birth_date = date(person.birth_year or 1900, 1, 1)
        person.save(update_fields=["birth_date"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_person_indexes_without_like")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="birth_year",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="year of birth"),
        ),
        migrations.AddField(
            model_name="person",
            name="birth_date_sealed",
            field=models.TextField(blank=True, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="person",
            name="birth_date",
            field=models.DateField(null=True, verbose_name="date of birth"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
