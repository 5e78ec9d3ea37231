"""Plant expired data in every retention category of an installation (as of 2026-04-01)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, func, insert, select, text, update

from storage.audit import GENESIS, append, entry_hash
from storage.db.schema import (
    PERSON_SERIES,
    activity_10min,
    activity_daily,
    activity_minutes,
    app_daily,
    app_spans,
    audit_log,
    metadata,
    people,
    rights_requests,
    screenshots,
    teams,
)
from storage.objects import ObjectStore
from storage.objects.keys import screenshot_key

AS_OF = "2026-04-01"
TABLES = [t.name for t in PERSON_SERIES] + ["rights_requests", "audit_log"]


def _epoch(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, 12, tzinfo=UTC).timestamp())


def plant_expired(engine: Engine, objects: ObjectStore) -> None:
    """One expired record per category, one held person's, and leftovers of an erased one."""
    with engine.begin() as c:
        first, second = c.execute(
            select(people.c.id, people.c.pseudonym).order_by(people.c.id).limit(2)
        ).all()
        c.execute(
            people.update().where(people.c.id == second.id).values(legal_hold_reason="litigation")
        )
        shot = _epoch(2026, 1, 10)
        key = screenshot_key(first.pseudonym, shot, 1)
        objects.put(key, b"old-1")
        objects.put(key, b"old-2")
        c.execute(
            insert(screenshots).values(
                person_id=first.id,
                device_id=1,
                taken_at=shot,
                object_key=key,
                key_id="k",
                width=1,
                height=1,
                size_bytes=5,
                blurred=False,
            )
        )
        c.execute(
            insert(app_spans).values(
                person_id=first.id,
                device_id=1,
                start_ts=_epoch(2025, 11, 1),
                end_ts=_epoch(2025, 11, 1) + 60,
                app="Old",
                title_ct=b"sealed",
            )
        )
        for person in (first.id, second.id):  # the second is on legal hold: kept
            minute = _epoch(2025, 1, 1)
            c.execute(
                insert(activity_minutes).values(
                    person_id=person,
                    minute=minute,
                    device_id=1,
                    active_seconds=1,
                    key_presses=0,
                    mouse_clicks=0,
                    mouse_moves=0,
                    scrolls=0,
                )
            )
        old_day = date(2024, 1, 1)
        c.execute(
            insert(activity_10min).values(
                person_id=first.id,
                slot_start=_epoch(2024, 1, 1),
                tracked_seconds=60,
                active_seconds=30,
                key_presses=1,
                mouse_clicks=1,
            )
        )
        c.execute(
            insert(activity_daily).values(
                person_id=first.id,
                day=old_day,
                tracked_seconds=60,
                active_seconds=30,
                key_presses=1,
                mouse_clicks=1,
                first_ts=_epoch(2024, 1, 1),
                last_ts=_epoch(2024, 1, 1),
            )
        )
        c.execute(insert(app_daily).values(person_id=first.id, day=old_day, app="Old", seconds=60))
        old = datetime(2019, 1, 1, tzinfo=UTC)
        c.execute(
            insert(rights_requests).values(
                person_id=first.id,
                kind="access",
                state="completed",
                received_at=old,
                due_at=old,
                closed_at=old,
                details={},
            )
        )
        age_first_audit_entry(c, old)
    # An erased person's leftover (series rows cannot outlive a person: foreign keys).
    objects.put(screenshot_key("s_ffffffffffffffff", _epoch(2026, 3, 30), 1), b"orphan")


def age_first_audit_entry(connection: Connection, at: datetime) -> None:
    """Date the log's first entry ``at`` and re-seal the chain, as if it were that old."""
    if connection.execute(select(func.count()).select_from(audit_log)).scalar_one() == 0:
        append(connection, "system", "planted", None, {}, at)
        return
    connection.execute(update(audit_log).where(audit_log.c.seq == 1).values(at=at))
    prev = GENESIS
    for row in connection.execute(select(audit_log).order_by(audit_log.c.seq)).all():
        digest = entry_hash(row.seq, row.at, row.action, prev, row.digests)
        connection.execute(
            update(audit_log)
            .where(audit_log.c.seq == row.seq)
            .values(prev_hash=prev, entry_hash=digest)
        )
        prev = digest


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per retention-relevant table, and app_spans still carrying a title."""
    with engine.connect() as c:
        counts = {
            n: int(c.execute(select(func.count()).select_from(metadata.tables[n])).scalar_one())
            for n in TABLES
        }
        counts["titles"] = int(
            c.execute(
                text("SELECT count(*) FROM app_spans WHERE title_ct IS NOT NULL")
            ).scalar_one()
        )
    return counts


def add_people(engine: Engine, holds: dict[int, str | None]) -> None:
    """A team and one person per id in ``holds`` (id -> legal hold reason, or None)."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(insert(teams).values(id=1, name="t", department="d"))
        for pid, hold in holds.items():
            c.execute(
                insert(people).values(
                    id=pid, pseudonym=f"s_{pid:016x}", display_name=f"P{pid}", team_id=1,
                    timezone="UTC", created_at=now, legal_hold_reason=hold,
                )
            )  # fmt: skip
