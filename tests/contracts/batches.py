"""Valid and crafted bad batches for every contract, generated from its declaration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from data_contracts.declarations import EPOCH_MIN, ColumnSpec, Contract

DEFECTS = ("wrong_type", "out_of_range", "null", "duplicate")


def good_value(spec: ColumnSpec, i: int) -> Any:
    """A valid value of ``spec`` for row ``i`` (distinct per row)."""
    if spec.allowed:
        return spec.allowed[i % len(spec.allowed)]
    if spec.kind == "int":
        low = spec.min_value or 0
        return low + (60 * (i + 100) if low >= EPOCH_MIN else i + 1)
    return {
        "str": f"v{i}",
        "bool": bool(i % 2),
        "bytes": bytes([i]),
        "date": date(2026, 3, 1 + i),
        "datetime": datetime(2026, 3, 1 + i, 9, tzinfo=UTC),
        "json": {},
    }[spec.kind]


def good_batch(contract: Contract, n: int = 3) -> list[dict[str, Any]]:
    """``n`` rows that satisfy the contract."""
    return [{s.name: good_value(s, i) for s in contract.columns} for i in range(n)]


def bad_batch(contract: Contract, defect: str) -> tuple[list[dict[str, Any]], str]:
    """A batch with one ``defect``; return it with the column that carries it."""
    rows = good_batch(contract)
    if defect == "duplicate":
        rows.append(dict(rows[0]))
        return rows, contract.key[0]
    if defect == "wrong_type":
        spec = next(s for s in contract.columns if s.kind == "int")
        rows[1][spec.name] = "not a number"
    elif defect == "out_of_range":
        spec = next(s for s in contract.columns if s.min_value is not None)
        rows[1][spec.name] = spec.min_value - 1  # type: ignore[operator]
    else:
        spec = next(s for s in contract.columns if not s.nullable)
        rows[1][spec.name] = None
    return rows, spec.name
