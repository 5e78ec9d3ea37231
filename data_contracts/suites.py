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
from data_contracts.enforced import Enforced, key_name

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


def _wrong_type(spec: ColumnSpec, dialect: str) -> str | None:
    """SQL true for a row whose ``spec`` column holds a value of another type."""
    names = VALUE_TYPES.get(dialect, {}).get(spec.kind)
    if names is None:
        return None
    allowed = ", ".join(f"'{name}'" for name in names)
    cast = "::text" if dialect == "postgresql" else ""
    column = f'"{spec.name}"'
    return f"({column} IS NOT NULL AND {_TYPEOF[dialect]}({column}){cast} NOT IN ({allowed}))"


def _type_expectation(spec: ColumnSpec, dialect: str) -> Expectation | None:
    wrong = _wrong_type(spec, dialect)
    if wrong is None:
        return None
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=f'SELECT "{spec.name}" FROM {{batch}} WHERE {wrong}',
        description=f"{spec.name}: every value is of type {spec.kind}",
    )


def _out_of_bounds(spec: ColumnSpec) -> list[str]:
    """SQL true for a row whose ``spec`` column is outside its range or allowed values."""
    column, found = f'"{spec.name}"', []
    if spec.min_value is not None:
        found.append(f"{column} < {int(spec.min_value)}")
    if spec.max_value is not None:
        found.append(f"{column} > {int(spec.max_value)}")
    if spec.allowed is not None:
        values = ", ".join("'" + value.replace("'", "''") + "'" for value in spec.allowed)
        found.append(f"{column} NOT IN ({values})")
    return found


def _row_check(contract: Contract, dialect: str, enforced: Enforced) -> Expectation | None:
    """One scan for every per-value rule no constraint covers: types, ranges, allowed sets."""
    found: list[str] = []
    for spec in contract.columns:
        wrong = None if ("type", spec.name) in enforced else _wrong_type(spec, dialect)
        found += ([wrong] if wrong else []) + _out_of_bounds(spec)
    if not found:
        return None
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=f"SELECT 1 AS unexpected FROM {{batch}} WHERE {' OR '.join(found)}",
        description="rows: every value of its declared type, within its range and allowed set",
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


def table_expectations(contract: Contract, dialect: str, enforced: Enforced) -> list[Expectation]:
    """The whole-table suite: what the catalog does not enforce, row rules in one scan."""
    found: list[Expectation] = []
    for spec in contract.columns:
        found.append(gxe.ExpectColumnToExist(column=spec.name))
        if not spec.nullable and ("not_null", spec.name) not in enforced:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=spec.name))
        if spec.unique and ("unique", spec.name) not in enforced:
            found.append(gxe.ExpectColumnValuesToBeUnique(column=spec.name))
    key = list(contract.key)
    if len(key) > 1 and ("unique", key_name(key)) not in enforced:
        found.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
    rows = _row_check(contract, dialect, enforced)
    return [*found, rows] if rows is not None else found


def build_table_suite(contract: Contract, dialect: str, enforced: Enforced, name: str) -> Any:
    """The suite ``table_expectations`` describes, named ``name``."""
    suite = gx.ExpectationSuite(name=name)
    for expectation in table_expectations(contract, dialect, enforced):
        suite.add_expectation(expectation)
    return suite


def build_suite(contract: Contract, dialect: str, name: str | None = None) -> Any:
    """A suite named after the dataset, holding every expectation of its contract."""
    suite = gx.ExpectationSuite(name=name or contract.dataset)
    for expectation in expectations_for(contract, dialect):
        suite.add_expectation(expectation)
    return suite
