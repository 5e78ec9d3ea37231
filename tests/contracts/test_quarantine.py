"""A batch failing its contract is quarantined whole, with its result; a good one is not."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, insert, select

from data_contracts import CONTRACTS
from data_contracts.quarantine import check_or_quarantine, list_quarantined
from storage.db.schema import activity_minutes, app_spans, people, quarantined_batches, teams
from tests.contracts.batches import good_batch

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def _person(engine: Engine) -> int:
    with engine.begin() as connection:
        connection.execute(insert(teams).values(id=1, name="t", department="d"))
        connection.execute(
            insert(people).values(
                id=1,
                pseudonym="s_0123456789abcdef",
                display_name="A",
                team_id=1,
                timezone="UTC",
                created_at=NOW,
            )
        )
    return 1


def _ingest(engine: Engine, dataset: str, rows: list[dict[str, object]]) -> bool:
    """What a sink does: check, and write only a batch that passed."""
    table = {"activity_minutes": activity_minutes, "app_spans": app_spans}[dataset]
    with engine.begin() as connection:
        result = check_or_quarantine(connection, dataset, rows, "test", NOW)
        if result.success:
            connection.execute(insert(table), rows)
    return result.success


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_bad_batch_is_quarantined_whole_and_nothing_written(engine: Engine) -> None:
    person = _person(engine)
    rows = good_batch(CONTRACTS["activity_minutes"])
    for row in rows:
        row["person_id"] = person
    rows[1]["active_seconds"] = 61
    assert not _ingest(engine, "activity_minutes", rows)
    assert _count(engine, activity_minutes) == 0
    with engine.connect() as connection:
        stored = connection.execute(select(quarantined_batches)).one()
        listed = list_quarantined(connection)
    assert stored.row_count == len(rows) and stored.rows[0]["minute"] == rows[0]["minute"]
    assert stored.result["success"] is False
    assert any(f["check"] == "range" for f in stored.result["failures"])
    assert listed[0]["dataset"] == "activity_minutes" and "rows" not in listed[0]


def test_good_batch_is_written_and_not_quarantined(engine: Engine) -> None:
    person = _person(engine)
    rows = good_batch(CONTRACTS["app_spans"])
    for row in rows:
        row["person_id"] = person
    assert _ingest(engine, "app_spans", rows)
    assert _count(engine, app_spans) == len(rows)
    assert _count(engine, quarantined_batches) == 0


def test_binary_values_kept_and_erasure_removes_the_quarantine(engine: Engine) -> None:
    person = _person(engine)
    rows = good_batch(CONTRACTS["app_spans"])
    for row in rows:
        row["person_id"] = person
    rows[1]["app"] = None
    assert not _ingest(engine, "app_spans", rows)
    with engine.connect() as connection:
        stored = connection.execute(select(quarantined_batches.c.rows)).scalar_one()
    assert stored[0]["title_ct"] == {"base64": "AA=="}
    with engine.begin() as connection:
        connection.execute(delete(people).where(people.c.id == person))
    assert _count(engine, quarantined_batches) == 0
