"""The light ingest check: a batch of rows against its contract, without Great Expectations.

Why two engines for one contract: the collector's embedded sink and the importers check every
batch before writing it, in a process that must stay small and start fast; importing Great
Expectations costs ~3.5 s and ~300 MB, and the collector must never import it. So this module
evaluates the very same ``declarations`` (types, nullability, ranges, allowed values,
uniqueness of the key) in plain Python, and the full Great Expectations suites built from those
declarations (``suites``) run in `traq contracts validate`, the ingestion service and the
retention audit, against the database. A failing batch is quarantined whole
(``quarantine.quarantine_batch``). Failures name columns and checks, never values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from data_contracts.declarations import ColumnSpec, Contract, contract_for


@dataclass(frozen=True)
class Failure:
    """One failed check: which column (or key), which check, how many rows."""

    column: str
    check: str  # "type", "not_null", "range", "allowed", "unique", "missing"
    count: int


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one batch; ``success`` only if no check failed."""

    dataset: str
    rows: int
    failures: tuple[Failure, ...] = field(default=())

    @property
    def success(self) -> bool:
        """True when every check passed."""
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (stored with a quarantined batch)."""
        return {
            "dataset": self.dataset,
            "rows": self.rows,
            "success": self.success,
            "failures": [vars(f) for f in self.failures],
        }


def _type_ok(spec: ColumnSpec, value: Any) -> bool:
    if spec.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if spec.kind == "str":
        return isinstance(value, str)
    if spec.kind == "bool":
        return isinstance(value, bool) or value in (0, 1)
    if spec.kind == "bytes":
        return isinstance(value, bytes | bytearray | memoryview)
    if spec.kind == "date":
        return isinstance(value, date) and not isinstance(value, datetime)
    if spec.kind == "datetime":
        return isinstance(value, datetime) and value.tzinfo is not None
    return True  # json: anything serialisable


def _value_failure(spec: ColumnSpec, value: Any) -> str | None:
    if value is None:
        return None if spec.nullable else "not_null"
    if not _type_ok(spec, value):
        return "type"
    if spec.min_value is not None and value < spec.min_value:
        return "range"
    if spec.max_value is not None and value > spec.max_value:
        return "range"
    if spec.allowed is not None and value not in spec.allowed:
        return "allowed"
    return None


def _row_failures(
    contract: Contract, row: Mapping[str, Any], counts: Counter[tuple[str, str]]
) -> None:
    for spec in contract.columns:
        if spec.name not in row:
            if not spec.nullable:
                counts[(spec.name, "missing")] += 1
            continue
        problem = _value_failure(spec, row[spec.name])
        if problem:
            counts[(spec.name, problem)] += 1


def _duplicates(values: Iterable[Any]) -> int:
    seen = Counter(values)
    return sum(n for n in seen.values() if n > 1)


def _unique_failures(contract: Contract, rows: Sequence[Mapping[str, Any]]) -> list[Failure]:
    failures = []
    key_dupes = _duplicates(tuple(row.get(c) for c in contract.key) for row in rows)
    if key_dupes:
        failures.append(Failure("+".join(contract.key), "unique", key_dupes))
    for spec in contract.columns:
        if spec.unique and contract.key != (spec.name,):
            dupes = _duplicates(row[spec.name] for row in rows if row.get(spec.name) is not None)
            if dupes:
                failures.append(Failure(spec.name, "unique", dupes))
    return failures


def check_batch(dataset: str, rows: Sequence[Mapping[str, Any]]) -> CheckResult:
    """Check ``rows`` (column name -> value) against the contract of ``dataset``.

    Raises UnknownDataset for an undeclared dataset; never raises for bad rows.
    """
    contract = contract_for(dataset)
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        _row_failures(contract, row, counts)
    failures = [Failure(column, check, n) for (column, check), n in sorted(counts.items())]
    failures.extend(_unique_failures(contract, rows))
    return CheckResult(dataset, len(rows), tuple(failures))
