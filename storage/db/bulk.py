"""Batched, transactional bulk writes: the fastest path each backend offers.

SQLite gets one ``executemany`` on the raw driver cursor; PostgreSQL gets binary ``COPY``
(through a temporary staging table when duplicates must be ignored, which keeps uploads
idempotent). Both run inside the caller's transaction, so a failed batch writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from sqlalchemy import JSON, Connection, Date, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError

from storage.db.partitions import PARTITIONED, ensure_months
from storage.db.types import UtcDateTime
from storage.errors import DatabaseError

OnConflict = Literal["error", "ignore"]

# PostgreSQL binary COPY needs each column's wire type spelled out.
_PG_TYPES = {
    "BIGINT": "int8",
    "INTEGER": "int4",
    "SMALLINT": "int2",
    "BOOLEAN": "bool",
    "BYTEA": "bytea",
    "DATE": "date",
    "TEXT": "text",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    on_conflict: OnConflict = "error",
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; return rows written.

    With ``on_conflict="ignore"`` a row whose primary or unique key already exists is
    skipped, so replaying a batch never duplicates anything.
    """
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    try:
        if not _raw_path_ok(connection, table, columns):
            return _core_executemany(connection, table, columns, rows, on_conflict)
        if connection.dialect.name == "postgresql":
            return _copy_postgres(connection, table, columns, rows, on_conflict)
        return _sqlite_executemany(connection, table, columns, rows, on_conflict)
    except _driver_errors(connection) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseError(f"bulk insert into {table.name} failed: {reason}") from exc


def _driver_errors(connection: Connection) -> tuple[type[Exception], ...]:
    """Errors the raw driver paths raise (psycopg imported only where PostgreSQL is used)."""
    if connection.dialect.name == "postgresql":
        import psycopg

        return (SQLAlchemyError, psycopg.Error)
    return (SQLAlchemyError, sqlite3.Error)


def _raw_path_ok(connection: Connection, table: Table, columns: Sequence[str]) -> bool:
    """Whether the driver can take the values as they are, without SQLAlchemy's processing."""
    awkward: tuple[type, ...] = (JSON,)
    if connection.dialect.name == "sqlite":
        awkward = (
            JSON,
            Date,
            UtcDateTime,
        )  # stored as strings SQLAlchemy formats itself
    return not any(isinstance(table.c[name].type, awkward) for name in columns)


def _pg_type(connection: Connection, table: Table, name: str) -> str:
    compiled = table.c[name].type.compile(dialect=connection.dialect)
    return _PG_TYPES.get(compiled, "text" if compiled.startswith("VARCHAR") else compiled)


def _copy_postgres(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_conflict: OnConflict,
) -> int:
    rows = _with_partitions(connection, table, columns, rows)
    raw = connection.connection.driver_connection
    column_list = ", ".join(f'"{name}"' for name in columns)
    target = f'"{table.name}"'
    if on_conflict == "ignore":
        target = f'"_stage_{table.name}"'
        connection.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {target} "
            f'(LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
        )
    types = [_pg_type(connection, table, name) for name in columns]
    count = 0
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target} ({column_list}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                count += 1
    if on_conflict == "error":
        return count
    inserted = connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({column_list}) SELECT {column_list} FROM {target} '
        "ON CONFLICT DO NOTHING"
    ).rowcount
    connection.exec_driver_sql(f"TRUNCATE {target}")
    return int(inserted)


def _with_partitions(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterable[Sequence[Any]]:
    """Create the month partitions the batch needs (monthly-partitioned tables only).

    The batch is read once to find its time range, so it must be held in memory; batches
    are one person's rows at most. Rows of a month that cannot get its partition now go to
    the DEFAULT partition (see ``storage.db.partitions``), so the write never fails for it.
    """
    key = PARTITIONED.get(table.name)
    if key is None or key not in columns:
        return rows
    batch = rows if isinstance(rows, list) else list(rows)
    if batch:
        index = list(columns).index(key)
        times = [int(row[index]) for row in batch]
        ensure_months(connection, table.name, min(times), max(times))
    return batch


def _sqlite_executemany(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_conflict: OnConflict,
) -> int:
    raw: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    verb = "INSERT OR IGNORE" if on_conflict == "ignore" else "INSERT"
    column_list = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    before = raw.total_changes
    raw.cursor().executemany(f'{verb} INTO "{table.name}" ({column_list}) VALUES ({marks})', rows)
    return raw.total_changes - before


def _core_executemany(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_conflict: OnConflict,
) -> int:
    """SQLAlchemy's own path, for the few low-volume tables whose types need processing."""
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if not batch:
        return 0
    statement = table.insert()
    if on_conflict == "ignore":
        statement = statement.prefix_with("OR IGNORE", dialect="sqlite")
        if connection.dialect.name == "postgresql":
            statement = pg_insert(table).on_conflict_do_nothing()
    return int(connection.execute(statement, batch).rowcount)
