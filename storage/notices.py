"""The notices outbox: queue an e-mail in the caller's transaction, send it later.

Queuing is part of the change it announces (a request filed and its notice commit together);
sending happens outside any transaction (``services.notices.delivery``), so a slow or broken
mail server never holds or rolls back a change. ``once`` keys a reminder (a request due
soon, overdue) so it is queued a single time however often the scheduler asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from storage.db.bulk import bulk_insert
from storage.db.schema import notices, people

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Notice:
    """One queued or sent notice."""

    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None


def person_email(connection: Connection, person_id: int) -> str | None:
    """The person's e-mail address, if they have one."""
    return connection.scalar(select(people.c.email).where(people.c.id == person_id))


def enqueue(
    connection: Connection,
    kind: str,
    recipient: str | None,
    subject: str,
    body: str,
    now: datetime,
    *,
    person_id: int | None = None,
    once: str | None = None,
) -> bool:
    """Queue one notice; False when there is no address or ``once`` was queued before."""
    if not recipient:
        return False
    row = (person_id, kind, recipient, subject[:200], body, once, now)
    columns = ("person_id", "kind", "recipient", "subject", "body", "once", "created_at")
    return bulk_insert(connection, notices, columns, [row], on_conflict="ignore") == 1


def _notice(row: object) -> Notice:
    return Notice(**{name: getattr(row, name) for name in Notice.__dataclass_fields__})


def unsent(connection: Connection, limit: int = 100) -> list[Notice]:
    """Notices not sent yet and not given up on, oldest first."""
    query = (
        select(notices)
        .where(notices.c.sent_at.is_(None), notices.c.attempts < MAX_ATTEMPTS)
        .order_by(notices.c.id)
        .limit(limit)
    )
    return [_notice(row) for row in connection.execute(query)]


def recent(connection: Connection, limit: int = 200) -> list[Notice]:
    """The newest notices, sent or not (the DPO's outbox)."""
    query = select(notices).order_by(notices.c.id.desc()).limit(limit)
    return [_notice(row) for row in connection.execute(query)]


def mark_sent(connection: Connection, notice_id: int, now: datetime) -> None:
    """Record a delivery."""
    connection.execute(
        update(notices)
        .where(notices.c.id == notice_id)
        .values(sent_at=now, attempts=notices.c.attempts + 1, error=None)
    )


def mark_failed(connection: Connection, notice_id: int, error: str) -> None:
    """Record a failed attempt (kept for the next try, up to ``MAX_ATTEMPTS``)."""
    connection.execute(
        update(notices)
        .where(notices.c.id == notice_id)
        .values(attempts=notices.c.attempts + 1, error=error[:500])
    )


def device_enrolled(
    connection: Connection, person_id: int, device: str, platform: str, now: datetime
) -> bool:
    """Tell the person a new device now sends data for them (here: ingest has no services)."""
    body = (
        f"A new device was enrolled on your TraqNext account on {now:%Y-%m-%d at %H:%M} UTC: "
        f"{device} ({platform}).\n\nIf this was not you or your IT team, tell your data "
        "protection officer: the device can be revoked."
    )
    subject = "TraqNext: a new device was enrolled on your account"
    email = person_email(connection, person_id)
    return enqueue(connection, "device.enrolled", email, subject, body, now, person_id=person_id)
