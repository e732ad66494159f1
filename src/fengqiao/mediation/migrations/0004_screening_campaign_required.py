"""Every round has its campaign now (0003 gave the existing ones theirs): the link is
required. A migration of its own, so PostgreSQL alters the column after 0003's updates have
committed."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("mediation", "0003_screening_campaigns")]

    operations = [
        migrations.AlterField(
            model_name="screeninground",
            name="campaign",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="screening_round",
                to="campaigns.campaign",
            ),
        ),
    ]
