"""The audit log for the DPO: browse the entries (newest first) and verify the hash chain.

Entries hold references (``person:7``, ``user:3``), actions, ids and counts, never a name
or captured content; only the DPO reads them here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, func, select

from services.cells import neutralise
from services.rights.access import Actor, require_dpo
from storage import audit
from storage.db.schema import audit_log, people, users

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
    since: datetime | None = None,
    until: datetime | None = None,
    about: list[str] | None = None,
    by: str | None = None,
) -> tuple[list[Entry], int]:
    """The newest ``limit`` entries matching every filter given (``actions``; older than seq
    ``before``; at or after ``since`` and before ``until``; ``about`` subject references
    such as ``person:7`` and their accounts' ``user:3``; ``by`` an actor reference), and how
    many entries match in all."""
    require_dpo(actor)
    log = audit_log.c
    where: list[ColumnElement[bool]] = [log.action.in_(actions)] if actions else []
    if before is not None:
        where.append(log.seq < before)
    if since is not None:
        where.append(log.at >= since)
    if until is not None:
        where.append(log.at < until)
    if about:
        where.append(log.subject_ref.in_(about))
    if by:
        where.append(log.actor == by)
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


VIEWS = ("requests.listed", "request.viewed")  # reading, not changing: grouped on the page


@dataclass(frozen=True)
class Row:
    """One line of the DPO's log: an entry, or a run of views by one actor (``count``)."""

    first: Entry
    last: Entry
    count: int


def grouped(entries: list[Entry]) -> list[Row]:
    """``entries`` with each run of consecutive views by one actor folded into one row."""
    rows: list[Row] = []
    for entry in entries:
        previous = rows[-1] if rows else None
        same_run = (
            previous is not None
            and entry.action in VIEWS
            and previous.first.action == entry.action
            and previous.first.actor == entry.actor
        )
        if same_run and previous is not None:
            rows[-1] = Row(previous.first, entry, previous.count + 1)
        else:
            rows.append(Row(entry, entry, 1))
    return rows


def reference_names(engine: Engine, actor: Actor) -> dict[str, str]:
    """``person:ID`` and ``user:ID`` -> the name a DPO knows them by (erased ones absent)."""
    require_dpo(actor)
    with engine.connect() as connection:
        people_names = connection.execute(select(people.c.id, people.c.display_name))
        names = {f"person:{pid}": str(name) for pid, name in people_names}
        accounts = connection.execute(select(users.c.id, users.c.username))
        names.update({f"user:{uid}": str(name) for uid, name in accounts})
    return names


def log_csv(rows: list[Row], names: dict[str, str], zone: str) -> bytes:
    """The rows as CSV: ISO 8601 times in UTC and in ``zone``, names beside references,
    cells a spreadsheet would run neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["entry", "at_utc", f"at_local ({zone})", "actor", "actor_name", "action",
         "subject", "subject_name", "count", "details"]
    )  # fmt: skip
    tz = ZoneInfo(zone)
    for row in rows:
        entry = row.first
        at = entry.at.astimezone(UTC)
        cells = [
            entry.seq, at.isoformat(timespec="seconds"),
            at.astimezone(tz).isoformat(timespec="seconds"), entry.actor,
            names.get(entry.actor, ""), entry.action, entry.subject_ref or "",
            names.get(entry.subject_ref or "", ""), row.count,
            json.dumps(entry.details, sort_keys=True) if entry.details else "",
        ]  # fmt: skip
        writer.writerow([neutralise(cell) for cell in cells])
    return out.getvalue().encode("utf-8")


def references_of(engine: Engine, actor: Actor, person_ref: str) -> list[str]:
    """``person_ref`` and the references of that person's accounts (what is about them)."""
    require_dpo(actor)
    person_id = int(person_ref.split(":", 1)[1])
    with engine.connect() as connection:
        accounts = connection.execute(
            select(users.c.id).where(users.c.person_id == person_id)
        ).scalars()
        return [person_ref, *(f"user:{uid}" for uid in accounts)]
