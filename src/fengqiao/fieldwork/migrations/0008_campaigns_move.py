"""Campaigns now live in the campaigns app (campaigns 0001_initial claims the same tables):
fieldwork forgets the models without dropping their tables, and the content types (so the
permissions) follow them."""

from django.db import migrations


def move_content_types(apps, schema_editor, source="fieldwork", target="campaigns"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("campaign", "campaignitem"):
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def restore_content_types(apps, schema_editor):
    move_content_types(apps, schema_editor, source="campaigns", target="fieldwork")


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("fieldwork", "0007_photos"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="CampaignItem"),
                migrations.DeleteModel(name="Campaign"),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
