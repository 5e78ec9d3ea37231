"""Quarantine: a batch that fails its contract is stored whole with its result, not written.

``check_or_quarantine`` runs the GE-free ingest check inside the caller's transaction: on
success the caller writes the batch; on failure the batch (split per person so that erasure
removes it with the person) goes to ``quarantined_batches`` and the caller writes nothing of
it, so no batch is ever half-written. Binary values (sealed titles) are kept as base64.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from data_contracts.ingest import CheckResult, check_batch
from storage.db.schema import people, quarantined_batches


def _json_ready(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(type(value).__name__)  # an unexpected object: its type only, never content


def _by_person(rows: Sequence[Mapping[str, Any]]) -> dict[int | None, list[dict[str, Any]]]:
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        person = row.get("person_id")
        key = person if isinstance(person, int) and not isinstance(person, bool) else None
        groups.setdefault(key, []).append({k: _json_ready(v) for k, v in row.items()})
    return groups


def _known_people(connection: Connection, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    found = connection.execute(select(people.c.id).where(people.c.id.in_(ids))).scalars()
    return set(found)


def quarantine_batch(
    connection: Connection,
    rows: Sequence[Mapping[str, Any]],
    result: CheckResult,
    source: str,
    now: datetime,
) -> int:
    """Store ``rows`` with ``result`` (one record per person); return how many records."""
    groups = _by_person(rows)
    known = _known_people(connection, {p for p in groups if p is not None})
    records = [
        {
            "at": now,
            "dataset": result.dataset,
            "source": source,
            "person_id": person if person in known else None,
            "row_count": len(group),
            "rows": group,
            "result": result.as_dict(),
        }
        for person, group in groups.items()
    ]
    if records:
        connection.execute(insert(quarantined_batches), records)
    return len(records)


def check_or_quarantine(
    connection: Connection,
    dataset: str,
    rows: Sequence[Mapping[str, Any]],
    source: str,
    now: datetime,
) -> CheckResult:
    """Check ``rows``; quarantine them whole if they fail. The caller writes only on success."""
    result = check_batch(dataset, rows)
    if not result.success:
        quarantine_batch(connection, rows, result, source, now)
    return result


def list_quarantined(connection: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The newest quarantined batches, without their rows (for the DPO and admin pages)."""
    t = quarantined_batches
    columns = (t.c.id, t.c.at, t.c.dataset, t.c.source, t.c.person_id, t.c.row_count, t.c.result)
    query = select(*columns).order_by(t.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]
