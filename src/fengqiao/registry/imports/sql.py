"""The few raw statements a batch needs: ids drawn before the insert, inserts by COPY
(PostgreSQL) or executemany (SQLite), and lookups of many values at once."""

from __future__ import annotations

from django.db import connection

_SEPARATOR = "\x1f"  # ASCII unit separator, for lists of values sent as one string
_CHUNK = 900  # values per `IN (...)`: under every database's parameter limit


class SqlWriter:
    """One per import run: it remembers each table's id sequence (PostgreSQL)."""

    def __init__(self):
        self.is_postgres = connection.vendor == "postgresql"
        self.sequences: dict[str, str] = {}

    def ids(self, table: str, count: int) -> list[int]:
        """`count` fresh primary keys for `table`, taken before the rows are written."""
        if not count:
            return []
        with connection.cursor() as cursor:
            if self.is_postgres:
                if table not in self.sequences:
                    # Looked up once: pg_get_serial_sequence on every id costs ten nextvals.
                    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                    self.sequences[table] = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                    [self.sequences[table], count],
                )
                return [r[0] for r in cursor.fetchall()]
            # SQLite: the settings open every transaction IMMEDIATE, so nobody else writes now.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            top = cursor.fetchone()[0]
            return list(range(top + 1, top + 1 + count))

    def insert(self, table: str, columns: tuple[str, ...], rows: list) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self.is_postgres:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({quoted}) VALUES ({marks})",  # noqa: S608
                    rows,
                )

    def select_in(self, sql: str, values: list[str]) -> list[tuple]:
        """Rows of `sql`, whose `{match}` is filled with "column is one of `values`"."""
        if not values:
            return []
        with connection.cursor() as cursor:
            joined = _SEPARATOR.join(values)
            if self.is_postgres and joined.count(_SEPARATOR) == len(values) - 1:
                # One joined string: psycopg would dump an array parameter value by value.
                cursor.execute(sql.format(match="= ANY(string_to_array(%s, chr(31)))"), [joined])
                return cursor.fetchall()
            found = []
            for start in range(0, len(values), _CHUNK):
                chunk = values[start : start + _CHUNK]
                cursor.execute(sql.format(match=f"IN ({','.join(['%s'] * len(chunk))})"), chunk)
                found.extend(cursor.fetchall())
            return found
