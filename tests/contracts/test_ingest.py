"""The GE-free ingest check: every contract rejects each defect and accepts valid rows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from data_contracts import CONTRACTS, UnknownDataset, check_batch
from tests.contracts.batches import DEFECTS, bad_batch, good_batch

CHECK_OF = {
    "wrong_type": "type",
    "out_of_range": "range",
    "null": "not_null",
    "duplicate": "unique",
}


@pytest.mark.parametrize("dataset", sorted(CONTRACTS))
def test_valid_batch_passes(dataset: str) -> None:
    result = check_batch(dataset, good_batch(CONTRACTS[dataset]))
    assert result.success, result.failures


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("dataset", sorted(CONTRACTS))
def test_each_defect_fails_naming_column_and_check(dataset: str, defect: str) -> None:
    rows, column = bad_batch(CONTRACTS[dataset], defect)
    result = check_batch(dataset, rows)
    assert not result.success
    checks = {(f.column.split("+")[0], f.check) for f in result.failures}
    assert (column, CHECK_OF[defect]) in checks, result.failures


def test_failures_carry_no_values() -> None:
    rows, _ = bad_batch(CONTRACTS["app_spans"], "wrong_type")
    rows[0]["app"] = 12345678  # a wrongly typed value must not surface in the result
    text = repr(check_batch("app_spans", rows).as_dict())
    assert "not a number" not in text and "12345678" not in text


def test_unknown_dataset_is_one_clear_error() -> None:
    with pytest.raises(UnknownDataset, match="no contract for dataset 'nope'"):
        check_batch("nope", [])


def test_ingest_check_does_not_import_great_expectations() -> None:
    code = (
        "import sys, data_contracts; data_contracts.check_batch('people', []);"
        "sys.exit('great_expectations' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
