"""Retention mechanics: find, count and delete expired rows and objects, in bounded batches.

What expires is decided elsewhere (``services.retention``); this module only executes a list
of ``PurgeStep``s. Each batch is its own transaction and every step is idempotent, so a purge
killed at any point and started again ends in the same state as an uninterrupted one.
Screenshot objects are purged (every version and delete marker) by whole expired UTC days,
before the rows that point to them, so that a crash never leaves an object without its row
for the next run to miss. People on legal hold are skipped by every step.

On PostgreSQL, minute activity and spans are partitioned by month: months wholly expired
are dropped (``storage.retention_months``) before the batches take the partial month. The
audit log loses only a prefix of its chain, behind an anchor (``storage.audit_purge``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Table, delete, func, inspect, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from storage.audit_purge import purge_audit_log
from storage.db.partitions import PARTITIONED
from storage.db.schema import PERSON_SERIES, metadata, people
from storage.objects import ObjectStore
from storage.retention_months import drop_expired_months
from storage.retention_objects import ERASED as ERASED  # re-exported: callers import it here
from storage.retention_objects import expired_objects

TimeKind = Literal["epoch", "date", "datetime"]


@dataclass(frozen=True)
class PurgeStep:
    """Delete (or clear ``clear``) the rows of ``table`` whose ``column`` is before ``cutoff``."""

    category: str
    table: str
    column: str
    kind: TimeKind
    cutoff: date  # first day kept (UTC for epoch and datetime columns)
    clear: str | None = None


def cutoff_value(step: PurgeStep) -> Any:
    """The cutoff in the column's own representation."""
    midnight = datetime.combine(step.cutoff, time(), tzinfo=UTC)
    return {"epoch": int(midnight.timestamp()), "date": step.cutoff, "datetime": midnight}[
        step.kind
    ]


def _held() -> Any:
    return select(people.c.id).where(people.c.legal_hold_reason.is_not(None))


def expired_filter(step: PurgeStep) -> ColumnElement[bool]:
    """The WHERE clause selecting what ``step`` removes."""
    table = metadata.tables[step.table]
    clause: ColumnElement[bool] = table.c[step.column] < cutoff_value(step)
    if "person_id" in table.c:
        clause = clause & (table.c.person_id.is_(None) | table.c.person_id.not_in(_held()))
    if step.clear is not None:
        clause = clause & table.c[step.clear].is_not(None)
    return clause


def count_expired(connection: Connection, step: PurgeStep) -> tuple[int, Any]:
    """How many rows ``step`` would touch, and the oldest time among them."""
    table = metadata.tables[step.table]
    column = table.c[step.column]
    row = connection.execute(
        select(func.count(), func.min(column)).where(expired_filter(step))
    ).one()
    return int(row[0]), row[1]


def _purge_batch(
    engine: Engine, table: Table, where: ColumnElement[bool], step: PurgeStep, batch_size: int
) -> int:
    key = list(table.primary_key.columns)
    # The batch's keys stay in the database (a sub-select), whatever the batch size: a list
    # of bound keys would hit PostgreSQL's limit of 65,535 parameters.
    batch = select(*key).where(where).limit(batch_size).correlate(None)
    chosen = tuple_(*key).in_(batch)
    if step.clear is not None:
        statement: Any = update(table).where(chosen).values({step.clear: None})
    else:
        statement = delete(table).where(chosen)
    with engine.begin() as connection:
        return int(connection.execute(statement).rowcount)


def purge_step(
    engine: Engine, step: PurgeStep, batch_size: int, on_batch: Callable[[int], None] | None = None
) -> int:
    """Apply ``step`` batch by batch (one transaction each); return rows touched."""
    if step.table == "audit_log" and step.clear is None:
        return purge_audit_log(engine, cutoff_value(step), batch_size, datetime.now(UTC))
    table = metadata.tables[step.table]
    where = expired_filter(step)
    total = 0
    if step.clear is None and step.table in PARTITIONED:
        total = drop_expired_months(engine, step.table, cutoff_value(step), on_batch)
    while done := _purge_batch(engine, table, where, step, batch_size):
        total += done
        if on_batch is not None:
            on_batch(done)
    return total


def orphan_filter(table: Table) -> ColumnElement[bool]:
    """Rows of a person-keyed series whose person no longer exists (erased)."""
    return table.c.person_id.not_in(select(people.c.id))


def unguarded_series(connection: Connection) -> list[Table]:
    """Person series whose rows could outlive their person: all but those PostgreSQL guards.

    On PostgreSQL a series with a cascading foreign key to ``people`` loses its rows with the
    person, always, so looking for orphans there would scan tens of millions of rows to
    prove what the database enforces. SQLite enforces foreign keys only on connections
    that ask (ours do; a stray tool may not), so there every series is checked.
    """
    if connection.dialect.name != "postgresql":
        return list(PERSON_SERIES)
    inspector = inspect(connection)
    return [
        table
        for table in PERSON_SERIES
        if not any(
            fk["referred_table"] == "people"
            and str((fk.get("options") or {}).get("ondelete", "")).upper() == "CASCADE"
            for fk in inspector.get_foreign_keys(table.name)
        )
    ]


def count_orphans(connection: Connection) -> dict[str, int]:
    """Series rows left behind for erased people, per table (only tables that have some)."""
    counts = {}
    for table in unguarded_series(connection):
        n = connection.execute(select(func.count()).where(orphan_filter(table))).scalar_one()
        if n:
            counts[table.name] = int(n)
    return counts


def purge_orphans(engine: Engine, batch_size: int) -> int:
    """Delete series rows of erased people, in batches; return how many."""
    with engine.connect() as connection:
        tables = unguarded_series(connection)
    total = 0
    for table in tables:
        step = PurgeStep(ERASED, table.name, "person_id", "epoch", date.min)
        while done := _purge_batch(engine, table, orphan_filter(table), step, batch_size):
            total += done
    return total


def expired_object_prefixes(
    engine: Engine, objects: ObjectStore, cutoff: date
) -> dict[str, list[str]]:
    """Day folders to purge: ``screenshots`` before ``cutoff``, ``erased_people`` of unknowns.

    Keys no day folder dates are left out here (``retention_objects.expired_objects``).
    """
    return expired_objects(engine, objects, cutoff).prefixes


def count_versions(objects: ObjectStore, prefixes: list[str]) -> int:
    """How many versions (and delete markers) live under ``prefixes``."""
    return sum(1 for prefix in prefixes for _ in objects.list_versions(prefix))


def purge_prefixes(objects: ObjectStore, prefixes: list[str]) -> int:
    """Purge every version under each prefix; return how many were removed."""
    return sum(objects.purge(prefix) for prefix in prefixes)


def stale_versions(objects: ObjectStore, prefix: str, *, overwritten: bool) -> int:
    """Versions a deletion (or, when ``overwritten``, a rewrite) left behind under ``prefix``.

    Every delete marker counts, and every older version of a key with no current object (a
    deleted object that still decrypts). With ``overwritten`` any older version counts too:
    the lake's rewritten parts must not keep the rows they were rewritten without.
    """
    stale = 0
    current: set[str] = set()
    older: dict[str, int] = {}
    for version in objects.list_versions(prefix):
        if version.is_delete_marker:
            stale += 1
        elif version.is_latest:
            current.add(version.key)
        else:
            older[version.key] = older.get(version.key, 0) + 1
    return stale + sum(n for key, n in older.items() if overwritten or key not in current)
