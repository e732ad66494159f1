"""Notice events become a keyed chain: seq, changes, hashes; existing logs are numbered and
sealed, each closed with a baseline event stating the notice as it stands; the table is made
append-only (UPDATE, DELETE and, on PostgreSQL, TRUNCATE refused)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from fengqiao.core import chain

UP = {
    "sqlite": [
        """CREATE TRIGGER notice_event_no_update BEFORE UPDATE ON participation_noticeevent
           BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END""",
        """CREATE TRIGGER notice_event_no_delete BEFORE DELETE ON participation_noticeevent
           BEGIN SELECT RAISE(ABORT, 'notice events are append-only'); END""",
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION notice_event_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'notice events are append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER notice_event_no_change BEFORE UPDATE OR DELETE
           ON participation_noticeevent FOR EACH ROW EXECUTE FUNCTION notice_event_append_only()""",
        """CREATE TRIGGER notice_event_no_truncate BEFORE TRUNCATE ON participation_noticeevent
           FOR EACH STATEMENT EXECUTE FUNCTION notice_event_append_only()""",
    ],
}
DOWN = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS notice_event_no_update",
        "DROP TRIGGER IF EXISTS notice_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS notice_event_no_change ON participation_noticeevent",
        "DROP TRIGGER IF EXISTS notice_event_no_truncate ON participation_noticeevent",
        "DROP FUNCTION IF EXISTS notice_event_append_only()",
    ],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def seal_existing(apps, schema_editor):
    from fengqiao.core import clock
    from fengqiao.participation import chainlog

    Notice = apps.get_model("participation", "Notice")
    NoticeEvent = apps.get_model("participation", "NoticeEvent")
    now = clock.now()
    for notice in Notice.objects.order_by("pk").iterator():
        prev, seq = chain.GENESIS, 0
        for event in NoticeEvent.objects.filter(notice=notice).order_by("at", "pk"):
            seq += 1
            event.seq, event.changes, event.prev_hash = seq, {}, prev
            event.hash = chainlog.event_hash(event, prev)
            event.save(update_fields=["seq", "changes", "prev_hash", "hash"])
            prev = event.hash
        if seq == 0:
            continue
        event = NoticeEvent(
            notice=notice,
            seq=seq + 1,
            action=chainlog.BASELINE,
            actor_id=notice.author_id,
            at=now,
            note="",
            changes=chain.diff({}, chainlog.snapshot(notice)),
            prev_hash=prev,
        )
        event.hash = chainlog.event_hash(event, prev)
        event.save(force_insert=True)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' foreign keys now: the table is altered next, which PostgreSQL
        # refuses while deferred checks are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('participation', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='noticeevent',
            options={'ordering': ['notice_id', 'seq'], 'verbose_name': 'notice log entry', 'verbose_name_plural': 'notice log'},
        ),
        migrations.AddField(
            model_name='noticeevent',
            name='changes',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='noticeevent',
            name='hash',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='noticeevent',
            name='prev_hash',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='noticeevent',
            name='seq',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='noticeevent',
            name='action',
            field=models.CharField(choices=[('create', 'Created'), ('update', 'Edited'), ('publish', 'Published'), ('withdraw', 'Withdrawn'), ('baseline', 'Log re-sealed')], max_length=16),
        ),
        migrations.AlterField(
            model_name='noticeevent',
            name='notice',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='participation.notice'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='noticeevent',
            constraint=models.UniqueConstraint(fields=('notice', 'seq'), name='unique_notice_event_seq'),
        ),
        migrations.RunPython(_run(UP), _run(DOWN)),
    ]
