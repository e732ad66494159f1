"""Campaigns move here from fieldwork without moving data: the tables fieldwork made
(fieldwork_campaign, fieldwork_campaignitem) stay, only Django's state learns the new home
(fieldwork 0008_campaigns_move drops them from fieldwork's state)."""

import django.db.models.deletion
import fengqiao.core.visibility
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0010_notification_preferences'),
        ('fieldwork', '0006_groups'),
        ('regions', '0002_map_layers_gazetteer'),
        ('registry', '0009_importjob_id_floor_rejected'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Campaign',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=24, unique=True, verbose_name='number')),
                        ('title', models.CharField(max_length=100, verbose_name='title')),
                        ('instructions', models.TextField(blank=True, verbose_name='instructions')),
                        ('kind', models.CharField(choices=[('household', 'Households'), ('dwelling', 'Dwellings'), ('place', 'Places'), ('facility', 'Facilities'), ('clue', 'Clues (imported list)')], max_length=16, verbose_name='what is checked')),
                        ('checklist', models.JSONField(default=list, verbose_name='checklist')),
                        ('region_code', models.CharField(db_index=True, max_length=24, verbose_name='area code')),
                        ('deadline', models.DateField(verbose_name='deadline')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=8)),
                        ('created_at', models.DateTimeField()),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'campaign',
                        'verbose_name_plural': 'campaigns',
                        'ordering': ['-created_at'],
                        'db_table': 'fieldwork_campaign',
                    },
                ),
                migrations.CreateModel(
                    name='CampaignItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('region_code', models.CharField(db_index=True, max_length=24)),
                        ('clue', models.CharField(blank=True, max_length=500, verbose_name='clue')),
                        ('address', models.CharField(blank=True, max_length=200, verbose_name='address')),
                        ('lat', models.FloatField(blank=True, null=True)),
                        ('lng', models.FloatField(blank=True, null=True)),
                        ('source_row', models.PositiveIntegerField(blank=True, null=True)),
                        ('target_label', models.CharField(max_length=200, verbose_name='checked')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('done', 'Checked'), ('not_found', 'Not found'), ('problem', 'Problem found')], default='pending', max_length=12)),
                        ('answers', models.JSONField(blank=True, default=dict)),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('done_at', models.DateTimeField(blank=True, null=True)),
                        ('client_id', models.CharField(blank=True, max_length=64, null=True)),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='campaigns.campaign')),
                        ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.case')),
                        ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('dwelling', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.dwelling')),
                        ('facility', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.facility')),
                        ('grid', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='regions.grid')),
                        ('household', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household')),
                        ('place', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.place')),
                    ],
                    options={
                        'verbose_name': 'campaign item',
                        'verbose_name_plural': 'campaign items',
                        'ordering': ['region_code', 'pk'],
                        'db_table': 'fieldwork_campaignitem',
                        'indexes': [models.Index(fields=['campaign', 'region_code'], name='campaign_item_area'), models.Index(fields=['campaign', 'status'], name='campaign_item_status'), models.Index(fields=['done_by', 'done_at'], name='campaign_item_done')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('client_id__isnull', False)), fields=('done_by', 'client_id'), name='one_item_check_per_client_id')],
                    },
                    bases=(fengqiao.core.visibility.PlacedRow, models.Model),
                ),
            ],
        ),
    ]
