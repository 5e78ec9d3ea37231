"""Retention of the audit log: remove the oldest entries without breaking verification.

Only a prefix of the chain is ever removed (the entries up to the first one still within
the retention period), so what remains still chains from one entry to the next. Each batch
is one transaction that deletes the entries, moves ``audit_anchor`` to the last one removed
and appends an ``audit_log.purged`` entry naming that anchor (see ``storage.audit``): a purge
killed between batches leaves a verifiable log and resumes with the next batch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from storage.audit import PURGE_ACTION, SYSTEM, anchor, append
from storage.db.schema import audit_anchor, audit_log


def purgeable_through(connection: Connection, cutoff: datetime) -> int:
    """The last seq of the chain's prefix older than ``cutoff`` (the anchor's if none)."""
    first_kept = connection.execute(
        select(func.min(audit_log.c.seq)).where(audit_log.c.at >= cutoff)
    ).scalar_one()
    if first_kept is not None:
        return int(first_kept) - 1
    last = connection.execute(select(func.max(audit_log.c.seq))).scalar_one()
    return int(last) if last is not None else anchor(connection)[0]


def _move_anchor(connection: Connection, seq: int, now: datetime) -> tuple[int, str]:
    row = connection.execute(
        select(audit_log.c.entry_hash, audit_log.c.at).where(audit_log.c.seq == seq)
    ).one()
    values = {"seq": seq, "entry_hash": row.entry_hash, "at": row.at, "purged_at": now}
    moved = connection.execute(update(audit_anchor).where(audit_anchor.c.id == 1).values(values))
    if not moved.rowcount:
        connection.execute(insert(audit_anchor).values(id=1, **values))
    return seq, str(row.entry_hash)


def _purge_batch(
    engine: Engine, cutoff: datetime, ceiling: int, batch_size: int, now: datetime
) -> int:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # the same lock appenders take
            connection.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
        limit = min(purgeable_through(connection, cutoff), ceiling)
        first = (
            select(audit_log.c.seq)
            .where(audit_log.c.seq <= limit)
            .order_by(audit_log.c.seq)
            .limit(batch_size)
            .subquery()
        )
        through = connection.execute(select(func.max(first.c.seq))).scalar_one()
        if through is None:
            return 0
        seq, entry_hash = _move_anchor(connection, int(through), now)
        removed = connection.execute(delete(audit_log).where(audit_log.c.seq <= through)).rowcount
        details = {"through_seq": seq, "through_hash": entry_hash, "entries": int(removed)}
        append(connection, SYSTEM, PURGE_ACTION, None, details, now)
        return int(removed)


def purge_audit_log(engine: Engine, cutoff: datetime, batch_size: int, now: datetime) -> int:
    """Remove the entries before ``cutoff`` (a chain prefix), in batches; return how many."""
    with engine.connect() as connection:
        # The run's own purge records come after this: never purge them in the same run.
        ceiling = purgeable_through(connection, cutoff)
    total = 0
    while done := _purge_batch(engine, cutoff, ceiling, batch_size, now):
        total += done
    return total
