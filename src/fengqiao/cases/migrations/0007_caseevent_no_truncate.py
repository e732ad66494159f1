"""PostgreSQL: TRUNCATE of the case-event table is refused too (a statement-level trigger; row
triggers do not fire on TRUNCATE). SQLite has no TRUNCATE: its DELETE trigger covers it."""

from django.db import migrations

UP = [
    """CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON cases_caseevent
       FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only()""",
]
DOWN = ["DROP TRIGGER IF EXISTS case_event_no_truncate ON cases_caseevent"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_reseal_chains")]

    operations = [migrations.RunPython(_run(UP), _run(DOWN))]
