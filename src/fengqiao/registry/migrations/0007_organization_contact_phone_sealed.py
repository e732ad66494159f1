"""Organization: the contact phone sealed (ciphertext, keyed hash, masked) instead of clear."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from fengqiao.core import crypto
    from fengqiao.core.idnumbers import mask_phone

    Organization = apps.get_model("registry", "Organization")
    batch = []
    for org in Organization.objects.exclude(contact_phone="").only("pk", "contact_phone"):
        phone = "".join(ch for ch in org.contact_phone if ch.isdigit() or ch == "+")
        org.contact_phone_sealed = crypto.encrypt(phone)
        org.contact_phone_hash = crypto.lookup_hash(phone)
        org.contact_phone_masked = mask_phone(phone)
        batch.append(org)
    Organization.objects.bulk_update(
        batch,
        ["contact_phone_sealed", "contact_phone_hash", "contact_phone_masked"],
        batch_size=500,
    )


def backwards(apps, schema_editor):
    from fengqiao.core import crypto

    Organization = apps.get_model("registry", "Organization")
    for org in Organization.objects.exclude(contact_phone_sealed=""):
        org.contact_phone = crypto.decrypt(org.contact_phone_sealed)
        org.save(update_fields=["contact_phone"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_tagging_hash_per_person")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="contact_phone_sealed",
            field=models.TextField(blank=True, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="organization",
            name="contact_phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="organization",
            name="contact_phone_masked",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=20, verbose_name="contact phone"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="organization", name="contact_phone"),
    ]
