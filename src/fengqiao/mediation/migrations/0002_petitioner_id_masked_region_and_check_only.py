"""Petitions: the petitioner's masked ID keeps only region and check character, like the
registry (the old mask kept the sequence, which with the birth year pinned the number)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Petition = apps.get_model("mediation", "Petition")
    changed = []
    for petition in Petition.objects.exclude(petitioner_id_masked="").select_related("petitioner"):
        old = petition.petitioner_id_masked
        if petition.petitioner_id:
            new = petition.petitioner.id_number_masked
        else:  # only the first four characters and the check character are known
            new = old[:4] + "*" * (len(old) - 5) + old[-1] if len(old) > 12 else "*" * len(old)
        if new != old:
            petition.petitioner_id_masked = new
            changed.append(petition)
    Petition.objects.bulk_update(changed, ["petitioner_id_masked"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0001_initial"),
        ("registry", "0004_person_birth_year_sealed_date"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
