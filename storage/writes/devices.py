"""Device rows: the one place a device is added, found or noted as seen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from storage.db.schema import devices


def add_device(
    conn: Connection,
    person_id: int,
    name: str,
    platform: str,
    created_at: datetime,
    *,
    last_seen_at: datetime | None = None,
    token_hash: str | None = None,
) -> int:
    """Insert a device of ``person_id``; return its id.

    ``token_hash`` is the digest of an enrolled device's token (service devices only);
    ``last_seen_at`` stays empty for a device never seen alive (an imported host).
    """
    statement = insert(devices).values(
        person_id=person_id,
        name=name,
        platform=platform,
        created_at=created_at,
        last_seen_at=last_seen_at,
        token_hash=token_hash,
    )
    return int(conn.execute(statement.returning(devices.c.id)).scalar_one())


def find_device(conn: Connection, person_id: int, name: str, platform: str) -> int | None:
    """The id of the person's device named ``name`` on ``platform``, or None."""
    found = conn.execute(
        select(devices.c.id).where(
            devices.c.person_id == person_id,
            devices.c.name == name,
            devices.c.platform == platform,
        )
    ).scalar()
    return None if found is None else int(found)


def device_seen(conn: Connection, device_id: int, now: datetime) -> None:
    """Note that the device was seen alive at ``now``."""
    conn.execute(update(devices).where(devices.c.id == device_id).values(last_seen_at=now))
