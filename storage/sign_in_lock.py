"""An account locked for a while after too many failed sign-ins in a row (issue 18).

``services.sign_in_guard`` slows guessing down per server process; this lock is the
backstop that survives a restart of the workbench and covers several servers: after
``LOCK_AFTER`` failures in a row the account refuses every sign-in for ``LOCK_FOR``, even
with the right password. A success clears the count; an admin lifts a lock by resetting the
password. Each lock is an audit event (ids and counts only).

The lock's message tells a guesser that the name exists (unknown names cannot lock); the
per-process delays make reaching it slow (about two minutes of waiting per name), and a
lock message never says whether the password was right.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, update

from storage import audit
from storage.db.schema import users

LOCK_AFTER = 10  # failures in a row
LOCK_FOR = timedelta(minutes=15)
LOCKED_ACTION = "account.locked"


def locked_until(row: Any, now: datetime) -> datetime | None:
    """When the account's lock ends, or None when it is not locked at ``now``."""
    until: datetime | None = row.locked_until
    return until if until is not None and until > now else None


def record_failure(connection: Connection, user_id: int, now: datetime) -> datetime | None:
    """Count a failed sign-in; return when the lock ends if this failure locked the account.

    The count is incremented in SQL, so parallel failures on several servers all count.
    """
    failures = connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(failed_sign_ins=users.c.failed_sign_ins + 1)
        .returning(users.c.failed_sign_ins)
    ).scalar_one()
    if failures < LOCK_AFTER:
        return None
    until = now + LOCK_FOR
    connection.execute(
        update(users).where(users.c.id == user_id).values(failed_sign_ins=0, locked_until=until)
    )
    details = {"failures": int(failures), "minutes": int(LOCK_FOR.total_seconds() // 60)}
    audit.append(connection, audit.SYSTEM, LOCKED_ACTION, audit.user_ref(user_id), details, now)
    return until


def record_success(connection: Connection, user_id: int) -> None:
    """Clear the account's failures (written only when there is something to clear)."""
    connection.execute(
        update(users)
        .where(
            users.c.id == user_id,
            or_(users.c.failed_sign_ins > 0, users.c.locked_until.is_not(None)),
        )
        .values(failed_sign_ins=0, locked_until=None)
    )
