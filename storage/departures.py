"""A person leaves: devices revoked, accounts disabled, capture stopped, erasure scheduled.

``mark_departed`` records it in one transaction; ``due_for_erasure`` lists who has been
gone longer than the post-employment period. The erasure itself is the ordinary one
(``storage.erasure.erase_subject``), run by the scheduled purge (``services.offboarding``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from storage.consent import stop_capture
from storage.db.schema import devices, people, users
from storage.errors import SubjectNotFound


@dataclass(frozen=True)
class Departure:
    """What leaving changed for one person."""

    person_id: int
    left_at: datetime
    devices_revoked: int
    accounts_disabled: int


@dataclass(frozen=True)
class Departed:
    """A person gone longer than the post-employment period, and their legal hold if any."""

    person_id: int
    left_at: datetime
    legal_hold: str | None


def mark_departed(connection: Connection, person_id: int, now: datetime) -> Departure:
    """Record that ``person_id`` left at ``now``; an earlier departure is kept as it was."""
    left = connection.execute(select(people.c.left_at).where(people.c.id == person_id)).first()
    if left is None:
        raise SubjectNotFound(f"no person with id {person_id} (already erased?)")
    left_at = left.left_at or now
    connection.execute(update(people).where(people.c.id == person_id).values(left_at=left_at))
    revoked = connection.execute(
        update(devices)
        .where(devices.c.person_id == person_id, devices.c.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    disabled = connection.execute(
        update(users)
        .where(users.c.person_id == person_id, users.c.disabled_at.is_(None))
        .values(disabled_at=now)
    ).rowcount
    stop_capture(connection, person_id, now)  # anything a device still sends is dropped
    return Departure(person_id, left_at, int(revoked), int(disabled))


def cancel_departure(connection: Connection, person_id: int) -> bool:
    """Undo a departure not yet erased (the person stays after all); True if one stood.

    Devices stay revoked and accounts disabled: an admin enrols and enables them again.
    """
    return bool(
        connection.execute(
            update(people)
            .where(people.c.id == person_id, people.c.left_at.is_not(None))
            .values(left_at=None)
        ).rowcount
    )


def due_for_erasure(connection: Connection, days: int, now: datetime) -> list[Departed]:
    """People who left more than ``days`` days before ``now``, oldest departure first."""
    rows = connection.execute(
        select(people.c.id, people.c.left_at, people.c.legal_hold_reason)
        .where(people.c.left_at.is_not(None), people.c.left_at <= now - timedelta(days=days))
        .order_by(people.c.left_at, people.c.id)
    )
    return [Departed(int(r.id), r.left_at, r.legal_hold_reason) for r in rows]
