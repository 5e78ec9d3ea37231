"""The spool database's tables and the upserts that add captured deltas to them."""

from __future__ import annotations

import sqlite3
from functools import cache

COUNTS = "tracked_seconds, active_seconds, key_presses, mouse_clicks, mouse_moves, scrolls"

SCHEMA = """
CREATE TABLE IF NOT EXISTS minutes (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, minute INTEGER NOT NULL,
    tracked_seconds INTEGER NOT NULL, active_seconds INTEGER NOT NULL,
    key_presses INTEGER NOT NULL, mouse_clicks INTEGER NOT NULL,
    mouse_moves INTEGER NOT NULL, scrolls INTEGER NOT NULL,
    closed INTEGER NOT NULL, rev INTEGER NOT NULL DEFAULT 1, sent_rev INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, device_id, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS spans (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL, app TEXT NOT NULL, site TEXT, title_ct BLOB,
    closed INTEGER NOT NULL, rev INTEGER NOT NULL DEFAULT 1, sent_rev INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (person_id, device_id, start_ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS screenshots (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, taken_at INTEGER NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, blurred INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_id, taken_at)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected_minutes (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, minute INTEGER NOT NULL,
    tracked_seconds INTEGER NOT NULL, active_seconds INTEGER NOT NULL,
    key_presses INTEGER NOT NULL, mouse_clicks INTEGER NOT NULL,
    mouse_moves INTEGER NOT NULL, scrolls INTEGER NOT NULL,
    status INTEGER NOT NULL, reason TEXT NOT NULL, rejected_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_id, minute)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected_spans (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL, app TEXT NOT NULL, site TEXT, title_ct BLOB,
    status INTEGER NOT NULL, reason TEXT NOT NULL, rejected_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_id, start_ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejected_screenshots (
    person_id INTEGER NOT NULL, device_id INTEGER NOT NULL, taken_at INTEGER NOT NULL,
    width INTEGER NOT NULL, height INTEGER NOT NULL, blurred INTEGER NOT NULL,
    status INTEGER NOT NULL, reason TEXT NOT NULL, rejected_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, device_id, taken_at)
) WITHOUT ROWID;
"""
ADD_MINUTE = f"""
INSERT INTO minutes (person_id, device_id, minute, {COUNTS}, closed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (person_id, device_id, minute) DO UPDATE SET
    tracked_seconds = min(60, tracked_seconds + excluded.tracked_seconds),
    active_seconds = min(60, active_seconds + excluded.active_seconds),
    key_presses = key_presses + excluded.key_presses,
    mouse_clicks = mouse_clicks + excluded.mouse_clicks,
    mouse_moves = mouse_moves + excluded.mouse_moves,
    scrolls = scrolls + excluded.scrolls,
    closed = excluded.closed,
    rev = rev + 1
"""

PUT_SPAN = """
INSERT INTO spans (person_id, device_id, start_ts, end_ts, app, site, title_ct, closed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (person_id, device_id, start_ts) DO UPDATE SET
    end_ts = excluded.end_ts, app = excluded.app, site = excluded.site,
    title_ct = excluded.title_ct, closed = excluded.closed,
    rev = rev + (end_ts != excluded.end_ts OR app != excluded.app
                 OR site IS NOT excluded.site OR title_ct IS NOT excluded.title_ct)
"""


def schema_of(db: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """Every table and index of ``db`` with its SQL, sorted."""
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())


@cache
def expected_schema() -> list[tuple[str, str, str | None]]:
    """The schema this code creates: a spool whose schema differs was damaged."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return schema_of(db)
    finally:
        db.close()
