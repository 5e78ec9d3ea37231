"""`traq contracts validate` over the demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import text

from data_contracts import CONTRACTS
from storage.db.engine import open_engine
from tests.contracts.demo import Installation, demo, traq_cmd

__all__ = ["demo"]


def test_demo_data_passes_every_contract(demo: Installation) -> None:
    result = traq_cmd("contracts", "validate", "--json", env=demo.env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["success"] is True
    assert {c["dataset"] for c in report["contracts"]} == set(CONTRACTS)


def test_bad_rows_in_the_database_fail_naming_dataset(demo: Installation) -> None:
    engine = open_engine(demo.database_url)
    with engine.begin() as connection:  # a value out of the declared range, then undo it
        connection.execute(
            text(
                "UPDATE activity_minutes SET key_presses = -5 WHERE minute = "
                "(SELECT min(minute) FROM activity_minutes)"
            )
        )
    try:
        result = traq_cmd("contracts", "validate", "--dataset", "activity_minutes", env=demo.env)
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE activity_minutes SET key_presses = 0 WHERE key_presses = -5")
            )
        engine.dispose()
    assert result.returncode == 1
    assert "FAIL  activity_minutes" in result.stdout
    assert "key_presses column_values_to_be_between" in result.stdout


def test_unknown_dataset_is_a_one_line_error(demo: Installation) -> None:
    result = traq_cmd("contracts", "validate", "--dataset", "nope", env=demo.env)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no contract for dataset 'nope'" in result.stderr


def _validate_with_daily_row(demo: Installation, seconds: int) -> tuple[int, str]:
    """Validate activity_daily holding one extra day of ``seconds`` tracked, then remove it."""
    engine = open_engine(demo.database_url)
    # Europe/Berlin's fall-back Sunday of 2025 lasted 25 hours: 2025-10-25T22:00Z..10-26T23:00Z.
    row = {"day": "2025-10-26", "seconds": seconds, "first": 1761429600, "last": 1761519600}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO activity_daily (person_id, day, tracked_seconds, active_seconds,"
                " key_presses, mouse_clicks, first_ts, last_ts) SELECT min(id), :day, :seconds,"
                " :seconds, 0, 0, :first, :last FROM people"
            ),
            row,
        )
    try:
        result = traq_cmd("contracts", "validate", "--dataset", "activity_daily", env=demo.env)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM activity_daily WHERE day = :day"), row)
        engine.dispose()
    return result.returncode, result.stdout


def test_a_25_hour_day_passes_and_more_fails(demo: Installation) -> None:
    assert _validate_with_daily_row(demo, 25 * 3600)[0] == 0
    code, report = _validate_with_daily_row(demo, 25 * 3600 + 1)
    assert code == 1
    assert "tracked_seconds column_values_to_be_between" in report
