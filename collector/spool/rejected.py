"""Set-aside spool items: batches the sink refused for good, kept apart and sent again on request.

A refused batch is copied to the ``rejected_*`` tables and marked sent (``Spool.set_aside_*``),
so later batches flow. Once the cause is fixed (the service upgraded, a limit raised) an
operator puts the copies back in the queue with ``traq spool retry``. A copy that a later,
accepted state of the same row supersedes is dropped when that state is confirmed, so a
retry never replaces a complete minute or span on the server with an older one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from collector.spool.schema import COUNTS

KEYS = {"minutes": "minute", "spans": "start_ts", "screenshots": "taken_at"}
COLUMNS = {
    "minutes": f"person_id, device_id, minute, {COUNTS}",
    "spans": "person_id, device_id, start_ts, end_ts, app, site, title_ct",
    "screenshots": "person_id, device_id, taken_at, width, height, blurred",
}
KIND_NAMES = {"minutes": "minute rows", "spans": "spans", "screenshots": "screenshots"}

Key = tuple[int, int, int]  # person, device, and the row's time key


@dataclass(frozen=True)
class SetAsideGroup:
    """Set-aside items of one kind refused for one reason."""

    kind: str  # minutes, spans or screenshots
    status: int  # the service's HTTP status
    reason: str  # the service's one-line reason (names fields and rules, never values)
    count: int
    first_at: int  # epoch seconds of the first and the last refusal
    last_at: int


def copy_rejected(
    db: sqlite3.Connection, table: str, keys: Sequence[Key], status: int, reason: str, now: float
) -> None:
    """Copy the rows of ``table`` with ``keys`` to ``rejected_<table>`` with the refusal."""
    # A later state of a row refused again replaces the copy: minutes and spans hold their
    # whole state, so the newest copy is the complete one.
    db.executemany(
        f"INSERT OR REPLACE INTO rejected_{table} SELECT {COLUMNS[table]}, ?, ?, ? FROM {table} "
        f"WHERE person_id = ? AND device_id = ? AND {KEYS[table]} = ?",
        [(status, reason, int(now), *key) for key in keys],
    )


def forget_superseded(db: sqlite3.Connection, table: str, keys: Sequence[Key]) -> None:
    """Drop set-aside copies of rows whose newer state the sink just accepted."""
    db.executemany(
        f"DELETE FROM rejected_{table} WHERE person_id = ? AND device_id = ? AND {KEYS[table]} = ?",
        keys,
    )


def count_rejected(db: sqlite3.Connection) -> int:
    """How many minute rows, spans and screenshots are set aside."""
    total = 0
    for table in KEYS:
        total += int(db.execute(f"SELECT count(*) FROM rejected_{table}").fetchone()[0])
    return total


def summarise(db: sqlite3.Connection) -> list[SetAsideGroup]:
    """The set-aside items grouped by kind, status and reason, oldest refusal first."""
    groups: list[SetAsideGroup] = []
    for table in KEYS:
        rows = db.execute(
            "SELECT status, reason, count(*), min(rejected_at), max(rejected_at) "
            f"FROM rejected_{table} GROUP BY status, reason"
        )
        groups.extend(SetAsideGroup(table, *row) for row in rows)
    return sorted(groups, key=lambda group: (group.first_at, group.kind))


def requeue_rows(db: sqlite3.Connection, table: str) -> int:
    """Put the set-aside minutes or spans back in the queue; return how many.

    Call inside a transaction. A row still in the spool holds the device's newest state,
    which was the one refused: it is marked pending again. A row gone from the spool (it was
    final) comes back, closed, from its copy.
    """
    key = f"person_id, device_id, {KEYS[table]}"
    count = int(db.execute(f"SELECT count(*) FROM rejected_{table}").fetchone()[0])
    db.execute(
        f"UPDATE {table} SET rev = sent_rev + 1 WHERE rev <= sent_rev "
        f"AND ({key}) IN (SELECT {key} FROM rejected_{table})"
    )
    db.execute(
        f"INSERT OR IGNORE INTO {table} ({COLUMNS[table]}, closed, rev, sent_rev) "
        f"SELECT {COLUMNS[table]}, 1, 1, 0 FROM rejected_{table}"
    )
    db.execute(f"DELETE FROM rejected_{table}")
    return count
