"""Quarantined batches for the DPO and admin: what failed its contract on ingest, and why.

What a page may show, and why: an admin is not entitled to anyone's activity, and even the
DPO needs no row content to judge a batch (the failure says which column broke which rule
in how many rows). So listings and details carry the batch's metadata, the person's
pseudonym (never a name), the column names and the failed checks with their counts and
the contract's rule for that column, but never a stored value. Discarding a batch deletes
it (rows and result) and writes who did it to the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select

from data_contracts import UnknownDataset, contract_for
from services.errors import InvalidRequest
from storage import audit
from storage.db.schema import people, quarantined_batches

_T = quarantined_batches
_LISTED = (_T.c.id, _T.c.at, _T.c.dataset, _T.c.source, _T.c.person_id, _T.c.row_count, _T.c.result)


@dataclass(frozen=True)
class BatchDetail:
    """One batch's failing checks and column names, never its values."""

    id: int
    dataset: str
    source: str
    person: str
    row_count: int
    columns: list[str]
    failures: list[dict[str, Any]]


def _failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Failed checks from either result shape: the ingest check's or a GE suite's."""
    if "failures" in result:
        return [
            {"column": f["column"], "check": f["check"], "observed": f"{f['count']} row(s)"}
            for f in result["failures"]
        ]
    return [
        {
            "column": e.get("column", ""),
            "check": e.get("expectation", ""),
            "observed": "; ".join(f"{k}: {v}" for k, v in (e.get("observed") or {}).items()),
        }
        for e in result.get("expectations", [])
        if not e.get("success")
    ]


def _summary(result: dict[str, Any]) -> str:
    return "; ".join(f"{f['column']}: {f['check']} ({f['observed']})" for f in _failures(result))


def _person(pseudonym: str | None, person_id: int | None) -> str:
    return pseudonym if pseudonym else ("unknown person" if person_id is None else "")


def list_batches(engine: Engine, limit: int = 200) -> list[dict[str, Any]]:
    """The newest quarantined batches: when, dataset, source, person, rows, what failed."""
    query = (
        select(*_LISTED, people.c.pseudonym)
        .outerjoin(people, people.c.id == _T.c.person_id)
        .order_by(_T.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": r.id,
            "quarantined at": r.at,
            "dataset": r.dataset,
            "source": r.source,
            "person": _person(r.pseudonym, r.person_id),
            "person id": r.person_id,
            "rows": r.row_count,
            "failed checks": _summary(r.result),
        }
        for r in rows
    ]


def count_batches(engine: Engine) -> int:
    """How many batches wait in quarantine."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(_T)).scalar_one())


def _rule(dataset: str, column: str) -> str:
    """The contract's rule for ``column`` (type, nullability, range, allowed values)."""
    try:
        spec = contract_for(dataset).column(column)
    except (UnknownDataset, KeyError):
        return "unique together" if "+" in column else ""
    parts = [spec.kind, "nullable" if spec.nullable else "not null"]
    if spec.min_value is not None or spec.max_value is not None:
        parts.append(f"range {spec.min_value}..{spec.max_value}")
    if spec.allowed:
        parts.append("one of " + ", ".join(spec.allowed))
    if spec.unique:
        parts.append("unique")
    return ", ".join(parts)


def batch_detail(engine: Engine, batch_id: int) -> BatchDetail:
    """One batch's column names and failed checks (InvalidRequest if there is no such batch)."""
    query = (
        select(_T, people.c.pseudonym)
        .outerjoin(people, people.c.id == _T.c.person_id)
        .where(_T.c.id == batch_id)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise InvalidRequest(f"no quarantined batch {batch_id} (already discarded?)")
    columns = sorted({name for record in row.rows for name in record})  # names, never values
    failures = [{**f, "rule": _rule(row.dataset, f["column"])} for f in _failures(row.result)]
    person = _person(row.pseudonym, row.person_id)
    return BatchDetail(row.id, row.dataset, row.source, person, row.row_count, columns, failures)


def discard_batch(engine: Engine, batch_id: int, user_id: int, now: datetime) -> None:
    """Delete one batch after inspection and log it (InvalidRequest if it is gone already)."""
    with engine.begin() as connection:
        row = connection.execute(
            select(_T.c.dataset, _T.c.person_id, _T.c.row_count).where(_T.c.id == batch_id)
        ).first()
        if row is None:
            raise InvalidRequest(f"no quarantined batch {batch_id} (already discarded?)")
        connection.execute(delete(_T).where(_T.c.id == batch_id))
        subject = audit.person_ref(row.person_id) if row.person_id is not None else None
        details = {"batch": batch_id, "dataset": row.dataset, "rows": row.row_count}
        audit.append(
            connection, audit.user_ref(user_id), "quarantine.discarded", subject, details, now
        )
