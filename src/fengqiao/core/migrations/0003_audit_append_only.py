"""Triggers that make the audit log and the access log append-only, on SQLite and PostgreSQL.

UPDATE and DELETE are refused row by row on both; TRUNCATE (PostgreSQL only, SQLite has
none) by a statement trigger. The one exception is TRUNCATE in a session that ran
`SET fengqiao.allow_truncate = 'on'`: the test suite does so just before pytest-django empties
the database after a transactional test (conftest.py). The application never sets it; a
database owner who can run SET could drop the trigger anyway (docs/security.md).
"""

from django.db import migrations

TABLES = ("core_auditentry", "core_accesslog")

SQLITE_UP = [
    sql
    for table in TABLES
    for sql in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    )
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {table}_{op}" for table in TABLES for op in ("no_update", "no_delete")
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION fengqiao_log_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'TRUNCATE'
            AND coalesce(current_setting('fengqiao.allow_truncate', true), '') = 'on' THEN
           RETURN NULL;
         END IF;
         RAISE EXCEPTION USING
           MESSAGE = TG_TABLE_NAME || ' is append-only (' || TG_OP || ' refused)';
       END; $$ LANGUAGE plpgsql""",
    *[
        sql
        for table in TABLES
        for sql in (
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION fengqiao_log_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION fengqiao_log_append_only()""",
        )
    ],
]
POSTGRES_DOWN = [
    *[
        f"DROP TRIGGER IF EXISTS {table}_{op} ON {table}"
        for table in TABLES
        for op in ("no_change", "no_truncate")
    ],
    "DROP FUNCTION IF EXISTS fengqiao_log_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_entry")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
