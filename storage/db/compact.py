"""Making deleted rows leave the database files, after an erasure or a purge has committed.

A committed DELETE is not gone from disk:

- **SQLite** keeps old page images in the write-ahead log until a checkpoint, and (where
  built without it, the upstream default) the deleted bytes in free pages. Every connection
  runs with ``secure_delete`` (``storage.db.engine``), which zeroes deleted content; here the
  WAL is checkpointed with ``TRUNCATE`` so the old frames leave the ``-wal`` file.
- **PostgreSQL** leaves dead tuples in the heap and its indexes until a vacuum, and a plain
  VACUUM compacts a page without zeroing the hole it frees, so the lowest dead tuple's bytes
  stay readable in the file. Tables that held the person's identifying text (name, e-mail,
  username, pseudonym, wrapped keys, request texts, audit details, sealed titles' headers)
  are therefore rewritten with ``VACUUM FULL`` (new files, old ones unlinked); the big
  numeric series, which hold counts and times only, get a plain VACUUM so an erasure does
  not lock them for minutes.

VACUUM cannot run inside a transaction: this runs on its own autocommit connection, after
the caller's transaction committed. A vacuum keeps a deleted row that some transaction's
snapshot might still see, so it first waits (boundedly) until every snapshot on the
server is younger than the deletion; the report says if one was still older.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from storage.errors import DatabaseError

# Series of counts, times and application names only (no identifying text): a plain VACUUM
# is enough, and a rewrite of tens of millions of rows would block writers for minutes.
# Spans are not among them: a sealed title's envelope header names its object id, which
# carries the person's pseudonym, so spans are rewritten like the identity tables.
NUMERIC_SERIES = frozenset({"activity_minutes", "activity_10min", "activity_daily", "app_daily"})
SNAPSHOT_WAIT_SECONDS = 30.0
# Sessions whose snapshot or transaction is older than the mark, in any database: a session
# still connecting, or a replication slot, holds back the horizon of every database (ages
# grow with time, so an older xid has a greater age; GREATEST skips a NULL xmin or xid).
# Other roles' sessions show their xmin only to members of pg_read_all_stats.
_OLDER_SNAPSHOTS = text(
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    "  AND GREATEST(age(backend_xmin), age(backend_xid)) > age(CAST(:mark AS xid)))"
    " + (SELECT count(*) FROM pg_prepared_xacts WHERE age(transaction) > age(CAST(:mark AS xid)))"
    " + (SELECT count(*) FROM pg_replication_slots"
    "  WHERE GREATEST(age(xmin), age(catalog_xmin)) > age(CAST(:mark AS xid)))"
)


@dataclass(frozen=True)
class CompactReport:
    """What was done to make deleted bytes leave the files (names of tables, no rows)."""

    backend: str
    rewritten: list[str] = field(default_factory=list)  # PostgreSQL: VACUUM FULL
    vacuumed: list[str] = field(default_factory=list)  # PostgreSQL: plain VACUUM
    wal_truncated: bool | None = None  # SQLite: the WAL was emptied (None on PostgreSQL)
    older_snapshots: int = 0  # PostgreSQL: sessions still seeing the deleted rows (0 = none)

    def to_json(self) -> dict[str, Any]:
        """A stable JSON form, for evidence and ``--json`` output."""
        return {
            "backend": self.backend,
            "rewritten": sorted(self.rewritten),
            "vacuumed": sorted(self.vacuumed),
            "wal_truncated": self.wal_truncated,
            "older_snapshots": self.older_snapshots,
        }


def compact(
    engine: Engine,
    tables: Iterable[str],
    *,
    rewrite: bool = True,
    wait_seconds: float = SNAPSHOT_WAIT_SECONDS,
) -> CompactReport:
    """Make rows deleted from ``tables`` unreadable in the database files; say what was done.

    ``rewrite=False`` (a retention purge: old rows of everyone, no identifying text) only
    vacuums on PostgreSQL. Raises DatabaseError with one line if the database refuses.
    """
    try:
        if engine.dialect.name == "sqlite":
            return CompactReport("sqlite", wal_truncated=checkpoint_wal(engine))
        return _vacuum(engine, sorted(set(tables)), rewrite, wait_seconds)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseError(f"cannot vacuum the database after deleting: {reason}") from exc


def checkpoint_wal(engine: Engine) -> bool:
    """Checkpoint SQLite's WAL into the database and truncate it; True when it was emptied.

    A reader still holding an old snapshot makes SQLite give up after the busy timeout
    (False): the frames are then overwritten or truncated by a later checkpoint.
    """
    with engine.connect() as connection:
        busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return int(busy) == 0


def _wait_for_snapshots(connection: Connection, wait_seconds: float) -> int:
    """Wait until no session sees what was deleted before now; return how many still do."""
    # A fresh transaction id: every deletion the caller committed is older than it.
    mark = connection.execute(text("SELECT txid_current() % 4294967296")).scalar_one()
    deadline = time.monotonic() + wait_seconds
    while True:
        older = int(connection.execute(_OLDER_SNAPSHOTS, {"mark": str(mark)}).scalar_one())
        if older == 0 or time.monotonic() >= deadline:
            return older
        time.sleep(0.1)


def _vacuum(engine: Engine, tables: list[str], rewrite: bool, wait_seconds: float) -> CompactReport:
    quote = engine.dialect.identifier_preparer.quote
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        report = CompactReport(
            "postgresql", older_snapshots=_wait_for_snapshots(connection, wait_seconds)
        )
        for table in tables:
            full = rewrite and table not in NUMERIC_SERIES
            connection.execute(text(f"VACUUM {'(FULL) ' if full else ''}{quote(table)}"))
            (report.rewritten if full else report.vacuumed).append(table)
    return report
