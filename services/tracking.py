"""Pausing tracking from the workbench: a flag on the person that every collector of theirs
reads with consent (within a minute), on this machine or through the ingestion service.

Only the person themself pauses or resumes (the page passes the signed-in person); each
change is in the audit log, so a pause is on record when working time is questioned.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from storage import audit
from storage.db.schema import people


def tracking_paused(engine: Engine, person_id: int) -> bool:
    """Whether ``person_id`` has paused tracking."""
    with engine.connect() as connection:
        paused = connection.execute(
            select(people.c.tracking_paused).where(people.c.id == person_id)
        ).scalar_one_or_none()
    return bool(paused)


def set_tracking_paused(engine: Engine, person_id: int, paused: bool, now: datetime) -> None:
    """Pause (or resume) tracking for ``person_id`` on every device, and audit it."""
    action = "self.tracking_paused" if paused else "self.tracking_resumed"
    with engine.begin() as connection:
        connection.execute(
            update(people).where(people.c.id == person_id).values(tracking_paused=paused)
        )
        ref = audit.person_ref(person_id)
        audit.append(connection, ref, action, ref, {}, now)
