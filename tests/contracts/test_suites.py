"""Great Expectations suites built from the contracts, run over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from data_contracts import CONTRACTS
from data_contracts.runner import ContractOutcome, open_context, validate_database
from storage.db.engine import open_engine
from tests.contracts.batches import DEFECTS, bad_batch, good_batch
from tests.contracts.staging import staged_batch

# Which expectation must catch each defect.
CAUGHT_BY = {
    "wrong_type": "unexpected_rows_expectation",
    "out_of_range": "expect_column_values_to_be_between",
    "null": "expect_column_values_to_not_be_null",
}


@pytest.fixture(scope="module")
def context() -> Any:
    """One ephemeral GE context for the module (its import and set-up cost ~5 s)."""
    return open_context()


def validate_batch(
    engine: Engine, dataset: str, rows: list[dict[str, Any]], context: Any
) -> ContractOutcome:
    """The dataset's suite run over ``rows`` staged as its table (no constraints)."""
    with staged_batch(engine, CONTRACTS[dataset], rows):
        return validate_database(engine, [dataset], context)[0]


@pytest.fixture
def bare_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database: staging tables need no schema."""
    engine = open_engine(database_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("dataset", sorted(CONTRACTS))
def test_suite_passes_good_and_fails_each_defect(
    bare_engine: Engine, context: Any, dataset: str
) -> None:
    contract = CONTRACTS[dataset]
    good = validate_batch(bare_engine, dataset, good_batch(contract), context)
    assert good.success, good.failed
    for defect in DEFECTS:
        rows, column = bad_batch(contract, defect)
        outcome = validate_batch(bare_engine, dataset, rows, context)
        assert not outcome.success, defect
        caught = {(e.expectation, e.column) for e in outcome.failed}
        if defect == "duplicate":
            assert any(e.endswith("unique") for e, _ in caught), caught
        else:
            assert (CAUGHT_BY[defect], column) in caught, (defect, caught)


def test_staging_tables_are_dropped(bare_engine: Engine, context: Any) -> None:
    from sqlalchemy import inspect

    rows, _ = bad_batch(CONTRACTS["screenshots"], "null")
    validate_batch(bare_engine, "screenshots", rows, context)
    assert inspect(bare_engine).get_table_names() == []


def test_results_carry_no_values(bare_engine: Engine, context: Any) -> None:
    rows, _ = bad_batch(CONTRACTS["app_daily"], "wrong_type")
    rows[0]["app"] = "Secret Project Window"
    outcome = validate_batch(bare_engine, "app_daily", rows, context)
    text = repr(outcome.as_dict())
    assert "not a number" not in text and "Secret" not in text
