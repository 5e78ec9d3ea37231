"""Legal holds: the configurable exception that keeps a person's data from erasure and purge.

A hold names its reason (a case, a regulator's order). While it stands, an erasure request
is refused with that reason and the retention purge skips the person; releasing it lets
both proceed. Only the DPO places or releases a hold, and each change is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, select, update

from services.errors import InvalidTransition
from services.rights.access import Actor, require_dpo, require_person
from storage import audit
from storage.db.schema import people

MAX_REASON = 500


def set_legal_hold(
    connection: Connection, actor: Actor, person_id: int, reason: str | None, now: datetime
) -> None:
    """Place a hold on ``person_id`` with ``reason``, or release it with None."""
    require_dpo(actor)
    require_person(connection, person_id)
    if reason is not None:
        reason = " ".join(reason.split())
        if not 0 < len(reason) <= MAX_REASON:
            raise InvalidTransition(f"a legal hold needs a reason of 1-{MAX_REASON} characters")
    held = connection.execute(
        select(people.c.legal_hold_reason).where(people.c.id == person_id)
    ).scalar_one()
    if reason is None and held is None:
        raise InvalidTransition(f"person {person_id} is not under a legal hold")
    connection.execute(
        update(people).where(people.c.id == person_id).values(legal_hold_reason=reason)
    )
    action = "person.legal_hold_placed" if reason else "person.legal_hold_released"
    details = {"reason": reason} if reason else {}
    audit.append(connection, actor.ref, action, audit.person_ref(person_id), details, now)


def legal_holds(engine: Engine, actor: Actor) -> dict[int, tuple[str, str]]:
    """Person id -> (display name, reason) of everyone under a legal hold (DPO only)."""
    require_dpo(actor)
    p = people.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(p.id, p.display_name, p.legal_hold_reason)
            .where(p.legal_hold_reason.is_not(None))
            .order_by(p.id)
        )
        return {int(r.id): (str(r.display_name), str(r.legal_hold_reason)) for r in rows}
