"""A batch staged as the dataset's own table, without constraints, to run its suite over.

Each column takes its declared type, unless the batch holds values of another type: then the
column takes the type of those values, so that the suite's type expectation observes the drift
(on PostgreSQL a wrongly typed value could not be loaded into the declared type at all).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    LargeBinary,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from data_contracts.declarations import ColumnSpec, Contract
from data_contracts.ingest import _type_ok

_DECLARED: dict[str, type[TypeEngine[Any]]] = {
    "int": BigInteger,
    "str": Text,
    "bool": Boolean,
    "bytes": LargeBinary,
    "date": Date,
    "json": JSON,
}


def _declared_type(spec: ColumnSpec) -> TypeEngine[Any]:
    if spec.kind == "datetime":
        return DateTime(timezone=True)
    return _DECLARED[spec.kind]()


def _drifted_type(values: list[Any]) -> TypeEngine[Any] | None:
    """The type of a batch's off-contract values, or None if it should be text."""
    kinds = {type(v) for v in values}
    if kinds <= {int}:
        return BigInteger()
    if kinds <= {int, float}:
        return Float()
    return None


def _column(spec: ColumnSpec, rows: Sequence[Mapping[str, Any]]) -> tuple[Column[Any], bool]:
    values = [row.get(spec.name) for row in rows]
    wrong = [v for v in values if v is not None and not _type_ok(spec, v)]
    if not wrong:
        return Column(spec.name, _declared_type(spec)), False
    drifted = _drifted_type(wrong)
    return Column(spec.name, drifted if drifted is not None else Text()), drifted is None


@contextmanager
def staged_batch(
    engine: Engine, contract: Contract, rows: Sequence[Mapping[str, Any]]
) -> Iterator[str]:
    """Create the dataset's table (no constraints) holding ``rows``; yield its name; drop it."""
    metadata = MetaData()
    columns, as_text = [], set()
    for spec in contract.columns:
        column, text = _column(spec, rows)
        columns.append(column)
        if text:
            as_text.add(spec.name)
    table = Table(contract.dataset, metadata, *columns)
    values = [
        {
            s.name: (
                str(row.get(s.name))
                if s.name in as_text and row.get(s.name) is not None
                else row.get(s.name)
            )
            for s in contract.columns
        }
        for row in rows
    ]
    metadata.create_all(engine)
    try:
        if values:
            with engine.begin() as connection:
                connection.execute(table.insert(), values)
        yield table.name
    finally:
        metadata.drop_all(engine)
