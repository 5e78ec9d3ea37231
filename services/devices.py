"""Devices in the workbench: an employee connects their own computer; an admin sees every
device, makes codes for people and revokes a device. Every admin change is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from services.admin.base import admin_transaction, record
from services.errors import AdminRefused
from storage import audit
from storage.db.schema import devices, people
from storage.devices import create_code, list_devices, revoke


def my_devices(engine: Engine, person_id: int) -> list[dict[str, Any]]:
    """The person's own devices: name, platform, enrolled, last upload, revoked."""
    d = devices.c
    query = select(d.name, d.platform, d.created_at, d.last_seen_at, d.revoked_at).where(
        d.person_id == person_id
    )
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query.order_by(d.id))]


def my_enrolment_code(engine: Engine, person_id: int, now: datetime) -> str:
    """A one-time code (valid a day) with which the person enrols a computer of theirs."""
    with engine.begin() as connection:
        code = create_code(connection, person_id, now)
        ref = audit.person_ref(person_id)
        audit.append(connection, ref, "device.code_made", ref, {"by": "self"}, now)
    return code


def every_device(engine: Engine, actor_id: int) -> list[dict[str, Any]]:
    """Every device with its person's pseudonym and name, newest first, for an admin (a
    computer just connected is the one an admin looks for)."""
    with admin_transaction(engine, actor_id) as connection:
        rows = list_devices(connection)
        names = dict(connection.execute(select(people.c.pseudonym, people.c.display_name)).all())
    return [row | {"display_name": names.get(row["pseudonym"], "")} for row in reversed(rows)]


def code_for(engine: Engine, actor_id: int, person_id: int, now: datetime) -> str:
    """An admin makes a one-time enrolment code for ``person_id`` (shown once)."""
    with admin_transaction(engine, actor_id) as connection:
        code = create_code(connection, person_id, now)
        record(connection, actor_id, "device.code_made", audit.person_ref(person_id), {}, now)
    return code


def revoke_device(engine: Engine, actor_id: int, device_id: int, now: datetime) -> None:
    """An admin revokes a device: it can send nothing more."""
    with admin_transaction(engine, actor_id) as connection:
        if not revoke(connection, device_id, now):
            raise AdminRefused("no enrolled, unrevoked device with that id")
        record(connection, actor_id, "device.revoked", None, {"device": device_id}, now)
