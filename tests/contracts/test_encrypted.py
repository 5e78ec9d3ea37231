"""What each contract says is encrypted at rest matches what storage seals (issue 16)."""

from __future__ import annotations

import pytest

from data_contracts.declarations import CONTRACTS, OBJECTS, contract_for


def test_every_sealed_column_is_declared_encrypted_and_nothing_else_is() -> None:
    for contract in CONTRACTS.values():
        binary = {c.name for c in contract.columns if c.kind == "bytes"}
        columns = {e for e in contract.encrypted if e != OBJECTS}
        assert columns == binary, contract.dataset


@pytest.mark.parametrize(
    ("dataset", "sealed", "plain"),
    [
        ("app_spans", "title_ct", "app, site"),
        ("screenshots", "the stored images", "object_key"),
    ],
)
def test_sealed_datasets_say_what_is_sealed_and_what_is_plain(
    dataset: str, sealed: str, plain: str
) -> None:
    line = contract_for(dataset).encryption_at_rest()
    assert line.startswith("encrypted at rest to the subject's key: " + sealed), line
    assert plain in line.split("plain in the database: ")[1]


@pytest.mark.parametrize("dataset", ["people", "activity_minutes", "activity_daily", "app_daily"])
def test_plain_datasets_never_claim_encryption(dataset: str) -> None:
    contract = contract_for(dataset)
    line = contract.encryption_at_rest()
    assert line.startswith("not encrypted at rest"), line
    assert not any("encrypt" in measure for measure in contract.security)
