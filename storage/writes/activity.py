"""Minute rows and spans: written under the caller's conflict rule, rollups refreshed.

``record_*`` is the whole path of a device's batch (sink and service): rows of people who
no longer exist are dropped, the batch is checked against its data contract (a failing
batch is quarantined whole and acknowledged, so a device does not resend it forever), the
rest is written and the rollups it touches refreshed, all in the caller's transaction.
``write_*`` and ``refresh_extent`` are the pieces, for writers that check rows their own way
(the importer refuses a failing file; the demo writes its own rollups).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from activity.records import PendingMinute, PendingSpan, clip_app, clip_site
from data_contracts.quarantine import check_or_quarantine
from storage.consent import EXACT, Skew, admit_minutes, admit_spans
from storage.db.bulk import bulk_insert
from storage.db.schema import MINUTE_COLUMNS, SPAN_COLUMNS, activity_minutes, app_spans
from storage.rollups import refresh_rollups
from storage.writes.subjects import live_timezones

_MINUTE_KEY = ("person_id", "minute", "device_id")
_SPAN_KEY = ("person_id", "device_id", "start_ts")
Row = tuple[Any, ...]


class OnConflict(Enum):
    """What a write does with a row whose key is already stored."""

    REPLACE = "replace"  # the new state replaces every non-key column (sink, service)
    IGNORE = "ignore"  # the stored row stays (the importer: a second import changes nothing)
    FAIL = "fail"  # the write fails (the demo writes fresh rows only)


def write_minutes(
    conn: Connection, rows: Iterable[Row], on_conflict: OnConflict, skew: Skew = EXACT
) -> int:
    """Write minute rows (tuples in ``MINUTE_COLUMNS`` order); return how many were written.

    Minutes captured after the person withdrew consent or objected are dropped (invariant 6,
    ``storage.consent``, judged with the device clock's ``skew``), whoever writes them.
    """
    admitted = admit_minutes(conn, rows, skew)
    return _write(conn, activity_minutes, MINUTE_COLUMNS, _MINUTE_KEY, admitted, on_conflict)


def write_spans(
    conn: Connection, rows: Iterable[Row], on_conflict: OnConflict, skew: Skew = EXACT
) -> int:
    """Write spans (tuples in ``SPAN_COLUMNS`` order); return how many were written.

    Spans are cut where the person withdrew consent or objected, and dropped if they began
    after it (``storage.consent``, judged with the device clock's ``skew``).
    """
    admitted = admit_spans(conn, rows, skew)
    return _write(conn, app_spans, SPAN_COLUMNS, _SPAN_KEY, admitted, on_conflict)


def refresh_extent(
    conn: Connection, person_id: int, start_ts: int, end_ts: int, timezone: str
) -> None:
    """Recompute the person's rollups over ``[start_ts, end_ts)`` from the stored rows."""
    refresh_rollups(conn, person_id, start_ts, end_ts, timezone)


def record_minutes(
    conn: Connection,
    rows: Sequence[PendingMinute],
    on_conflict: OnConflict,
    source: str,
    skew: Skew = EXACT,
) -> int:
    """A device's minute rows through the whole path (see module doc); return ``len(rows)``."""
    zones, kept = _admitted(conn, "activity_minutes", [_minute_row(r) for r in rows], source)
    write_minutes(conn, kept, on_conflict, skew)
    for person_id, items in _by_person(kept).items():
        minutes = [row[2] for row in items]
        refresh_extent(conn, person_id, min(minutes), max(minutes) + 60, zones[person_id])
    return len(rows)


def record_spans(
    conn: Connection,
    rows: Sequence[PendingSpan],
    on_conflict: OnConflict,
    source: str,
    skew: Skew = EXACT,
) -> int:
    """A device's spans through the whole path (see module doc); return ``len(rows)``."""
    zones, kept = _admitted(conn, "app_spans", [_span_row(r) for r in rows], source)
    for person_id, items in _by_person(kept).items():
        # A shorter new state (cut by idle) must refresh the time it no longer covers.
        stored_end = _stored_end(conn, person_id, items)
        write_spans(conn, items, on_conflict, skew)
        end = max([row[3] for row in items] + [stored_end])
        refresh_extent(conn, person_id, min(row[2] for row in items), end, zones[person_id])
    return len(rows)


def _admitted(
    conn: Connection, dataset: str, rows: list[Row], source: str
) -> tuple[dict[int, str], list[Row]]:
    """The timezones of the live people and their rows to write (none if quarantined).

    Rows of erased people are dropped. The rest is checked against its contract; a failing
    batch is quarantined whole and then acknowledged like a stored one, so the device does
    not retry it forever, and the DPO and admin find it (with its validation result) among
    the quarantined batches.
    """
    zones = live_timezones(conn, {row[0] for row in rows}) if rows else {}
    kept = [row for row in rows if row[0] in zones]
    if not kept:
        return zones, []
    columns = MINUTE_COLUMNS if dataset == "activity_minutes" else SPAN_COLUMNS
    values = [dict(zip(columns, row, strict=True)) for row in kept]
    passed = check_or_quarantine(conn, dataset, values, source, datetime.now(UTC)).success
    return zones, kept if passed else []


def _write(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: tuple[str, ...],
    rows: Iterable[Row],
    on_conflict: OnConflict,
) -> int:
    if on_conflict is not OnConflict.REPLACE:
        ignore = on_conflict is OnConflict.IGNORE
        return bulk_insert(conn, table, columns, rows, on_conflict="ignore" if ignore else "error")
    values = [dict(zip(columns, row, strict=True)) for row in rows]
    if not values:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    changed = {name: statement.excluded[name] for name in columns if name not in key}
    conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=changed), values)
    return len(values)


def _minute_row(row: PendingMinute) -> Row:
    counts = (row.active_seconds, row.key_presses, row.mouse_clicks, row.mouse_moves)
    return (row.person_id, row.device_id, row.minute, *counts, row.scrolls)


def _span_row(row: PendingSpan) -> Row:
    site = clip_site(row.site)
    return (row.person_id, row.device_id, row.start_ts, row.end_ts, clip_app(row.app), site,
            row.title_ct)  # fmt: skip


def _by_person(rows: list[Row]) -> dict[int, list[Row]]:
    groups: dict[int, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    return groups


def _stored_end(conn: Connection, person_id: int, items: list[Row]) -> int:
    stored = conn.execute(
        select(func.max(app_spans.c.end_ts)).where(
            app_spans.c.person_id == person_id,
            app_spans.c.start_ts.in_(sorted({row[2] for row in items})),
            app_spans.c.device_id.in_(sorted({row[1] for row in items})),
        )
    ).scalar()
    return int(stored) if stored is not None else 0
