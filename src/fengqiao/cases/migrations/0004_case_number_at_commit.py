"""PostgreSQL: a report made in its own transaction gets its number at commit, from a deferred
trigger (cases.services.case_report), so the day's counter row is locked only while the
database commits, never while the application still works on the transaction."""

from django.db import migrations

UP = [
    """CREATE OR REPLACE FUNCTION case_number_at_commit() RETURNS trigger AS $$
       DECLARE
         local_day date := (NEW.reported_at AT TIME ZONE 'Asia/Shanghai')::date;
         serial integer;
       BEGIN
         -- Numbered already in the transaction (a report inside a larger one): nothing to do.
         PERFORM 1 FROM cases_case WHERE id = NEW.id AND left(code, 1) = '~';
         IF NOT FOUND THEN RETURN NULL; END IF;
         INSERT INTO cases_casedaysequence (day, last) VALUES (local_day, 1)
           ON CONFLICT (day) DO UPDATE SET last = cases_casedaysequence.last + 1
           RETURNING last INTO serial;
         UPDATE cases_case
           SET code = 'SJ' || to_char(local_day, 'YYYYMMDD')
                      || CASE WHEN serial < 10000 THEN lpad(serial::text, 4, '0')
                              ELSE serial::text END
           WHERE id = NEW.id;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql""",
    """CREATE CONSTRAINT TRIGGER case_number_at_commit AFTER INSERT ON cases_case
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (left(NEW.code, 1) = '~')
       EXECUTE FUNCTION case_number_at_commit()""",
]
DOWN = [
    "DROP TRIGGER IF EXISTS case_number_at_commit ON cases_case",
    "DROP FUNCTION IF EXISTS case_number_at_commit()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_kind_alter_case_channel")]

    operations = [migrations.RunPython(_run(UP), _run(DOWN))]
