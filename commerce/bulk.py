"""Writing many rows fast on PostgreSQL: primary keys reserved from the sequence, rows sent by COPY.

``bulk_create`` builds a model instance and a parameter list per row, which is most of the time of a
billing run over 100,000 units; COPY takes plain tuples. Callers keep a ``bulk_create`` path for other
databases. Everything runs inside the caller's transaction, and a duplicate in a unique column raises
Django's ``IntegrityError`` as an INSERT would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def available() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model, count: int) -> list[int]:
    """``count`` fresh primary keys of ``model`` from its identity sequence."""
    if count == 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _quoted_columns(model, columns: Sequence[str]) -> str:
    fields = {field.attname: field.column for field in model._meta.concrete_fields}
    return ", ".join(connection.ops.quote_name(fields[name]) for name in columns)


def _copy(table: str, quoted: str, rows: Iterable[tuple]) -> None:
    connection.ensure_connection()
    statement = f"COPY {table} ({quoted}) FROM STDIN"
    with connection.wrap_database_errors, connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def copy_rows(model, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``, which are attribute names) into the model's table."""
    _copy(connection.ops.quote_name(model._meta.db_table), _quoted_columns(model, columns), rows)


def insert_ignoring_conflicts(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """INSERT the rows, skipping those a unique constraint already holds (one statement, via a temp table)."""
    if not rows:
        return
    quoted = _quoted_columns(model, columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bulk_staging")
        # Same column types, no constraints: the target table's constraints decide at the INSERT.
        cursor.execute(f"CREATE TEMP TABLE bulk_staging AS SELECT {quoted} FROM {table} WITH NO DATA")  # noqa: S608
    _copy("bulk_staging", quoted, rows)
    with connection.cursor() as cursor:
        # Identifiers come from the model, quoted; no value is formatted into the SQL.
        cursor.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM bulk_staging ON CONFLICT DO NOTHING")  # noqa: S608
        cursor.execute("DROP TABLE bulk_staging")
