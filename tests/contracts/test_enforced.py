"""The whole-table audit takes what the catalog enforces as evidence, and scans for the rest.

A guarantee is taken only where the table really has the constraint: the same contract over a
table without constraints falls back to scanning, and catches the nulls and duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, Column, Engine, MetaData, Table, insert, text

from data_contracts import CONTRACTS
from data_contracts.enforced import enforced_checks, key_name
from data_contracts.runner import open_context, validate_database
from data_contracts.suites import VALUE_TYPES
from storage.db.engine import open_engine
from tests.contracts.demo import Installation, demo

__all__ = ["demo"]
MINUTES = CONTRACTS["activity_minutes"]
KEY = key_name(MINUTES.key)


@pytest.fixture
def bare_engine(database_url: str) -> Iterator[Engine]:
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


def _loose_minutes(engine: Engine) -> None:
    """A table with the columns of activity_minutes and no constraint at all."""
    metadata = MetaData()
    columns = [Column(spec.name, BigInteger, nullable=True) for spec in MINUTES.columns]
    table = Table("activity_minutes", metadata, *columns)
    metadata.create_all(engine)
    row = {spec.name: 60 if spec.name == "minute" else 1 for spec in MINUTES.columns}
    row["minute"] = 1_700_000_040
    with engine.begin() as connection:
        connection.execute(insert(table), [row, row, {**row, "key_presses": None}])


def test_demo_tables_take_their_constraints_as_evidence(demo: Installation) -> None:
    engine = open_engine(demo.database_url)
    try:
        outcome = validate_database(engine, ["activity_minutes"], open_context())[0]
        enforced = enforced_checks(
            engine, MINUTES, "activity_minutes", VALUE_TYPES[engine.dialect.name]
        )
    finally:
        engine.dispose()
    assert outcome.success, outcome.failed
    evidence = {(e.expectation, e.column): e.observed for e in outcome.expectations}
    assert evidence[("enforced_unique", KEY)] == {"enforced_by": "the primary key"}
    assert ("enforced_not_null", "key_presses") in evidence
    typed = ("type", "key_presses") in enforced
    assert typed == (engine.dialect.name == "postgresql")  # SQLite types values, not columns
    rows = [e for e in outcome.expectations if e.expectation == "unexpected_rows_expectation"]
    assert len(rows) == 1 and rows[0].observed.get("unexpected_rows") == 0  # one scan


def test_without_constraints_the_rules_are_scanned(bare_engine: Engine) -> None:
    _loose_minutes(bare_engine)
    types = VALUE_TYPES[bare_engine.dialect.name]
    enforced = enforced_checks(bare_engine, MINUTES, "activity_minutes", types)
    assert {check for check, _ in enforced} <= {"type"}  # no NOT NULL, no key: nothing else
    outcome: Any = validate_database(bare_engine, ["activity_minutes"], open_context())[0]
    failed = {(e.expectation, e.column) for e in outcome.failed}
    assert ("expect_column_values_to_not_be_null", "key_presses") in failed
    assert ("expect_compound_columns_to_be_unique", "+".join(MINUTES.key)) in failed


def test_a_violation_no_constraint_covers_is_named_by_column(demo: Installation) -> None:
    engine = open_engine(demo.database_url)
    lowest = "(SELECT min(minute) FROM activity_minutes)"
    try:
        with engine.begin() as connection:
            connection.execute(
                text(f"UPDATE activity_minutes SET scrolls = -1 WHERE minute = {lowest}")
            )
        outcome = validate_database(engine, ["activity_minutes"], open_context())[0]
    finally:
        with engine.begin() as connection:
            connection.execute(text("UPDATE activity_minutes SET scrolls = 0 WHERE scrolls < 0"))
        engine.dispose()
    failed = {(e.expectation, e.column) for e in outcome.failed}
    assert failed == {("expect_column_values_to_be_between", "scrolls")}
