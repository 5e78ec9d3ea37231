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
