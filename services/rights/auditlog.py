"""The audit log for the DPO: browse the entries (newest first) and verify the hash chain.

Entries hold references (``person:7``, ``user:3``), actions, ids and counts, never a name
or captured content; only the DPO reads them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select

from services.rights.access import Actor, require_dpo
from storage import audit
from storage.db.schema import audit_log

PAGE = 200


@dataclass(frozen=True)
class Entry:
    """One audit entry as the DPO reads it (without its salts and digests)."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject_ref: str | None
    details: dict[str, Any]


def audit_actions(engine: Engine, actor: Actor) -> list[str]:
    """Every action that occurs in the log, sorted (the page's filter choices)."""
    require_dpo(actor)
    with engine.connect() as connection:
        found = connection.execute(select(audit_log.c.action).distinct()).scalars()
        return sorted(str(a) for a in found)


def audit_entries(
    engine: Engine,
    actor: Actor,
    *,
    actions: list[str] | None = None,
    limit: int = PAGE,
    before: int | None = None,
) -> tuple[list[Entry], int]:
    """The newest ``limit`` entries (of ``actions`` if given, older than seq ``before``),
    and how many entries match in all."""
    require_dpo(actor)
    log = audit_log.c
    where: list[ColumnElement[bool]] = [log.action.in_(actions)] if actions else []
    if before is not None:
        where.append(log.seq < before)
    query = select(log.seq, log.at, log.actor, log.action, log.subject_ref, log.details)
    with engine.connect() as connection:
        rows = connection.execute(query.where(*where).order_by(log.seq.desc()).limit(limit))
        entries = [
            Entry(
                int(r.seq), r.at, str(r.actor), str(r.action), r.subject_ref, dict(r.details or {})
            )
            for r in rows
        ]
        total = connection.execute(
            select(func.count()).select_from(audit_log).where(*where)
        ).scalar_one()
    return entries, int(total)


def verify_chain(engine: Engine, actor: Actor) -> audit.VerificationResult:
    """Check every entry and link of the chain (see ``storage.audit.verify``)."""
    require_dpo(actor)
    return audit.verify(engine)
