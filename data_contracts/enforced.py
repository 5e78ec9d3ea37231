"""Which expectations the database itself enforces on a table, read from its catalog.

A NOT NULL column cannot hold a null, a primary key or unique index cannot hold a duplicate,
and a PostgreSQL column of type BIGINT holds only BIGINTs: scanning 30 million rows to prove
what the catalog guarantees costs minutes and proves nothing more. The whole-table audit takes
each such guarantee as its evidence ("enforced by the primary key") and scans only for what
no constraint covers. SQLite types values, not columns, so there type checks are still scanned.
Staged batches have no constraints and are always scanned in full.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Engine, inspect, text

from data_contracts.declarations import Contract

# (check, column) -> the evidence. Checks: "not_null", "type", "unique" (column "a+b" for a key).
Enforced = dict[tuple[str, str], str]

_PG_TYPES = """SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = :table"""


def key_name(columns: Iterable[str]) -> str:
    """How a set of columns is named in ``Enforced``: sorted and joined by '+'."""
    return "+".join(sorted(columns))


def _unique_sets(connection: Connection, table: str) -> dict[str, str]:
    inspector = inspect(connection)
    found = {}
    primary = inspector.get_pk_constraint(table).get("constrained_columns") or []
    if primary:
        found[key_name(primary)] = "the primary key"
    for constraint in inspector.get_unique_constraints(table):
        found.setdefault(key_name(constraint["column_names"]), "a unique constraint")
    for index in inspector.get_indexes(table):
        names = [c for c in index["column_names"] if c is not None]
        if index.get("unique") and not index.get("dialect_options", {}).get("postgresql_where"):
            found.setdefault(key_name(names), f"unique index {index['name']}")
    return found


def _column_types(connection: Connection, table: str) -> dict[str, str]:
    if connection.dialect.name != "postgresql":
        return {}  # SQLite: declared types are affinities only
    rows = connection.execute(text(_PG_TYPES), {"table": table})
    return {str(name): str(kind) for name, kind in rows}


def enforced_checks(
    engine: Engine, contract: Contract, table: str, allowed_types: dict[str, tuple[str, ...]]
) -> Enforced:
    """The checks of ``contract`` that the catalog of ``table`` guarantees, with evidence."""
    enforced: Enforced = {}
    with engine.connect() as connection:
        columns = {c["name"]: c for c in inspect(connection).get_columns(table)}
        uniques = _unique_sets(connection, table)
        types = _column_types(connection, table)
    for spec in contract.columns:
        column = columns.get(spec.name)
        if column is None:
            continue  # the existence expectation reports it
        if not spec.nullable and not column["nullable"]:
            enforced[("not_null", spec.name)] = "a NOT NULL constraint"
        if types.get(spec.name) in allowed_types.get(spec.kind, ()):
            enforced[("type", spec.name)] = f"the column type ({types[spec.name]})"
        if spec.unique and spec.name in uniques:
            enforced[("unique", spec.name)] = uniques[spec.name]
    if len(contract.key) > 1 and key_name(contract.key) in uniques:
        enforced[("unique", key_name(contract.key))] = uniques[key_name(contract.key)]
    return enforced
