"""Minute activity and spans by month on PostgreSQL: whole expired months are dropped.

Every test runs on both backends: SQLite keeps plain tables and must end with the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert, select, text

from services.retention.purge import run_purge
from storage.db.bulk import bulk_insert
from storage.db.partitions import default_name, is_partitioned, month_partitions
from storage.db.schema import MINUTE_COLUMNS, activity_minutes, app_spans, people
from storage.objects import open_object_store
from storage.policies import DEFAULT_POLICIES
from storage.retention_months import maintain_partitions
from tests.retention.plant import add_people

DAYS = DEFAULT_POLICIES["retention_days"]
AS_OF = date(2026, 3, 10)  # minute activity and spans before 2025-03-10 expire
FREE, HELD = 1, 2
SPAN_COLUMNS = ("person_id", "device_id", "start_ts", "end_ts", "app", "title_ct")


def _at(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, 9, tzinfo=UTC).timestamp())


def _people(engine: Engine) -> None:
    add_people(engine, {FREE: None, HELD: "litigation"})


def _write(engine: Engine, rows: list[tuple[int, int]]) -> None:
    """Minute rows and one-minute spans for (person, epoch), through the bulk writer."""
    with engine.begin() as c:
        bulk_insert(
            c, activity_minutes, MINUTE_COLUMNS, [(p, 1, t, 1, 0, 0, 0, 0) for p, t in rows]
        )
        spans = [(p, 1, t, t + 60, "Editor", b"sealed") for p, t in rows]
        bulk_insert(
            c, app_spans, ("person_id", "device_id", "start_ts", "end_ts", "app", "title_ct"), spans
        )


def _rows(engine: Engine, table: str, column: str) -> list[tuple[int, int]]:
    with engine.connect() as c:
        rows = c.execute(text(f"SELECT person_id, {column} FROM {table}"))
        return sorted((int(r[0]), int(r[1])) for r in rows)


def _months(engine: Engine, table: str) -> list[str]:
    with engine.connect() as c:
        return [p.name.rsplit("_p", 1)[1] for p in month_partitions(c, table)]


def test_purge_drops_expired_months_and_keeps_the_rest(engine: Engine, tmp_path: object) -> None:
    _people(engine)
    jan, feb, mar1, mar20 = _at(2025, 1, 5), _at(2025, 2, 5), _at(2025, 3, 1), _at(2025, 3, 20)
    _write(engine, [(FREE, jan), (HELD, jan), (FREE, feb), (FREE, mar1), (FREE, mar20)])
    pg = engine.dialect.name == "postgresql"
    if pg:
        assert _months(engine, "activity_minutes")[:3] == ["202501", "202502", "202503"]

    objects = open_object_store(f"file://{tmp_path}/objects")
    report = run_purge(engine, objects, DAYS, AS_OF, batch_size=1)

    # Held person's January stays; February goes whole; March only before the 10th.
    kept = [(FREE, mar20), (HELD, jan)]
    assert _rows(engine, "activity_minutes", "minute") == kept
    assert _rows(engine, "app_spans", "start_ts") == kept
    assert report.counts["activity_minutes"] == {"activity_minutes": 3, "app_spans": 3}
    if pg:  # February dropped as a partition; January kept for its held row
        assert "202502" not in _months(engine, "activity_minutes")
        assert {"202501", "202503"} <= set(_months(engine, "app_spans"))
    with engine.begin() as c:  # the hold ends: the next purge drops January whole
        c.execute(people.update().values(legal_hold_reason=None))
    again = run_purge(engine, objects, DAYS, AS_OF)
    assert again.counts["activity_minutes"] == {"activity_minutes": 1, "app_spans": 1}
    assert _rows(engine, "activity_minutes", "minute") == [(FREE, mar20)]
    if pg:
        assert "202501" not in _months(engine, "activity_minutes")


def test_writes_to_any_month_find_their_partition(engine: Engine) -> None:
    _people(engine)
    future, past = _at(2031, 7, 4), _at(2019, 5, 6)
    _write(engine, [(FREE, future)])  # the bulk writer creates July 2031
    with engine.begin() as c:  # another path: a plain insert for a month with no partition
        c.execute(
            insert(activity_minutes).values(
                person_id=FREE, minute=past, device_id=1, active_seconds=1,
                key_presses=0, mouse_clicks=0, mouse_moves=0, scrolls=0,
            )
        )  # fmt: skip
    assert _rows(engine, "activity_minutes", "minute") == [(FREE, past), (FREE, future)]
    if engine.dialect.name != "postgresql":
        with engine.connect() as c:
            assert not is_partitioned(c, "activity_minutes")
        return
    assert "203107" in _months(engine, "activity_minutes")
    maintain_partitions(engine, datetime(2026, 3, 10, tzinfo=UTC))  # settles DEFAULT
    months = _months(engine, "activity_minutes")
    assert {"201905", "202603", "202604", "203107"} <= set(months)
    with engine.connect() as c:
        left = c.execute(
            select(text("count(*)")).select_from(text(default_name("activity_minutes")))
        )
        assert left.scalar_one() == 0
    assert _rows(engine, "activity_minutes", "minute") == [(FREE, past), (FREE, future)]
