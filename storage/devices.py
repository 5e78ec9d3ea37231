"""Devices at rest: one-time enrolment codes, the tokens' digests, listing and revoking.

Codes and tokens are stored only as SHA-256 digests; the ingestion service checks them
(``ingest.enrolment``), the command line and the workbench make and revoke them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage.db.schema import devices, enrol_codes, people

CODE_VALIDITY = timedelta(hours=24)


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a code or token is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_code(
    conn: Connection, person_id: int, now: datetime, valid: timedelta = CODE_VALIDITY
) -> str:
    """Store a new one-time code for ``person_id``; return it (it is never shown again)."""
    if valid <= timedelta(0):
        raise ValueError("an enrolment code must be valid for a positive time")
    code = secrets.token_urlsafe(16)
    conn.execute(
        insert(enrol_codes).values(
            person_id=person_id, code_hash=digest(code), created_at=now, expires_at=now + valid
        )
    )
    return code


def revoke(conn: Connection, device_id: int, now: datetime) -> bool:
    """Revoke the device's token; False if there is no such enrolled, unrevoked device."""
    result = conn.execute(
        update(devices)
        .where(
            devices.c.id == device_id,
            devices.c.token_hash.is_not(None),
            devices.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def list_devices(conn: Connection) -> list[dict[str, Any]]:
    """Every device with its person's pseudonym and token state, oldest first."""
    query = (
        select(
            devices.c.id,
            people.c.pseudonym,
            devices.c.name,
            devices.c.platform,
            devices.c.created_at,
            devices.c.last_seen_at,
            devices.c.revoked_at,
            devices.c.token_hash.is_not(None).label("enrolled"),
        )
        .join(people, people.c.id == devices.c.person_id)
        .order_by(devices.c.id)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
