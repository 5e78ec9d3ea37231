"""Great Expectations 1.x suites, generated from the contract declarations.

Import this module only where validation runs: it imports Great Expectations (~3.5 s, ~300 MB).
"""

from __future__ import annotations

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # before GE is imported: no telemetry

from typing import Any

import great_expectations as _gx
import great_expectations.expectations as _gxe

from data_contracts.declarations import ColumnSpec, Contract

# GE's stubs leave most expectations unexported for mypy; the API is used as documented.
gx: Any = _gx
gxe: Any = _gxe
Expectation = Any

# The type of every value, as each backend names it, per declared kind. Checked per value with
# an unexpected-rows query: SQLite types values, not columns, and GE's column type-list check
# neither resolves BIGINT, DATE or DATETIME on SQLite nor ignores VARCHAR lengths on PostgreSQL.
VALUE_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "sqlite": {
        "int": ("integer",),
        "str": ("text",),
        "bool": ("integer",),
        "bytes": ("blob",),
        "date": ("text",),
        "datetime": ("text",),
    },
    "postgresql": {
        "int": ("integer", "bigint", "smallint"),
        "str": ("character varying", "text"),
        "bool": ("boolean",),
        "bytes": ("bytea",),
        "date": ("date",),
        "datetime": ("timestamp with time zone", "timestamp without time zone"),
    },
}
_TYPEOF = {"sqlite": "typeof", "postgresql": "pg_typeof"}


def _type_expectation(spec: ColumnSpec, dialect: str) -> Expectation | None:
    names = VALUE_TYPES.get(dialect, {}).get(spec.kind)
    if names is None:
        return None
    allowed = ", ".join(f"'{name}'" for name in names)
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f'SELECT "{spec.name}" FROM {{batch}} WHERE "{spec.name}" IS NOT NULL '
            f'AND {_TYPEOF[dialect]}("{spec.name}")::text NOT IN ({allowed})'
            if dialect == "postgresql"
            else f'SELECT "{spec.name}" FROM {{batch}} WHERE "{spec.name}" IS NOT NULL '
            f'AND {_TYPEOF[dialect]}("{spec.name}") NOT IN ({allowed})'
        ),
        description=f"{spec.name}: every value is of type {spec.kind}",
    )


def _column_expectations(spec: ColumnSpec, dialect: str) -> list[Expectation]:
    column = spec.name
    found: list[Expectation] = [gxe.ExpectColumnToExist(column=column)]
    typed = _type_expectation(spec, dialect)
    if typed is not None:
        found.append(typed)
    if not spec.nullable:
        found.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
    if spec.min_value is not None or spec.max_value is not None:
        found.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=spec.min_value, max_value=spec.max_value
            )
        )
    if spec.allowed is not None:
        found.append(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(spec.allowed)))
    if spec.unique:
        found.append(gxe.ExpectColumnValuesToBeUnique(column=column))
    return found


def expectations_for(contract: Contract, dialect: str) -> list[Expectation]:
    """Every expectation the contract implies on ``dialect``, in declaration order."""
    found: list[Expectation] = []
    for spec in contract.columns:
        found.extend(_column_expectations(spec, dialect))
    if len(contract.key) > 1:
        found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(contract.key)))
    return found


def build_suite(contract: Contract, dialect: str, name: str | None = None) -> Any:
    """A suite named after the dataset, holding every expectation of its contract."""
    suite = gx.ExpectationSuite(name=name or contract.dataset)
    for expectation in expectations_for(contract, dialect):
        suite.add_expectation(expectation)
    return suite
