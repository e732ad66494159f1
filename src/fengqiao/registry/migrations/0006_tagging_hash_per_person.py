"""Tag hashes keyed per person (person id + tag code), so a dump does not group people by tag."""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from fengqiao.core import crypto

    PersonTagging = apps.get_model("registry", "PersonTagging")
    codes = dict(apps.get_model("registry", "PersonTag").objects.values_list("pk", "code"))
    last = 0
    while True:
        batch = list(
            PersonTagging.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "person_id", "tag_id", "tag_sealed", "tag_hash")[:BATCH]
        )
        if not batch:
            break
        for tagging in batch:
            code = codes[tagging.tag_id] if tagging.tag_id else crypto.decrypt(tagging.tag_sealed)
            tagging.tag_hash = crypto.lookup_hash(f"tag:{tagging.person_id}:{code}")
        PersonTagging.objects.bulk_update(batch, ["tag_hash"], batch_size=500)
        last = batch[-1].pk


def backwards(apps, schema_editor):
    from fengqiao.core import crypto

    PersonTagging = apps.get_model("registry", "PersonTagging")
    codes = dict(apps.get_model("registry", "PersonTag").objects.values_list("pk", "code"))
    for tagging in PersonTagging.objects.iterator():
        code = codes[tagging.tag_id] if tagging.tag_id else crypto.decrypt(tagging.tag_sealed)
        tagging.tag_hash = crypto.lookup_hash(code)
        tagging.save(update_fields=["tag_hash"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_remove_person_birth_date")]

    operations = [migrations.RunPython(forwards, backwards)]
