"""Enrolment codes and device tokens: created, spent, checked and revoked in the database.

A code is for a person to enrol one device: 128 random bits, valid for a day by default,
spent by the first enrolment. A token is 256 random bits handed to that device once; the
database keeps only SHA-256 digests of both, so a database dump enrols nothing and
impersonates no device (a slow password hash would add nothing against 256-bit secrets).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from ingest.errors import BadRequest, Unauthorized
from storage.db.schema import devices, enrol_codes, people

# Re-exported: the service's tests and tools reach codes and revocation through here too.
from storage.devices import CODE_VALIDITY as CODE_VALIDITY
from storage.devices import create_code as create_code
from storage.devices import digest
from storage.devices import list_devices as list_devices
from storage.devices import revoke as revoke
from storage.notices import device_enrolled
from storage.writes import add_device, device_seen

MAX_NAME = 120


@dataclass(frozen=True)
class DeviceAuth:
    """Who a valid token speaks for: one device of one person."""

    device_id: int
    person_id: int
    pseudonym: str


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment hands the device: its token (shown once) and identity."""

    token: str
    auth: DeviceAuth


def find_person(conn: Connection, ref: str) -> tuple[int, str]:
    """The (id, pseudonym) of the person named by numeric id or pseudonym; ValueError if none."""
    column = people.c.id if ref.isdigit() else people.c.pseudonym
    value: Any = int(ref) if ref.isdigit() else ref
    row = conn.execute(select(people.c.id, people.c.pseudonym).where(column == value)).first()
    if row is None:
        raise ValueError(f"no person {ref!r}; give a person id or pseudonym from `traq demo`/admin")
    return int(row.id), str(row.pseudonym)


def enrol(conn: Connection, code: str, name: str, platform: str, now: datetime) -> Enrolment:
    """Spend ``code`` and register a device with a new token; Unauthorized if it cannot."""
    _check_name(name)
    # One UPDATE both checks and spends the code, so two racing enrolments cannot share it.
    spent = conn.execute(
        update(enrol_codes)
        .where(
            enrol_codes.c.code_hash == digest(code),
            enrol_codes.c.used_at.is_(None),
            enrol_codes.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(enrol_codes.c.person_id)
    ).first()
    if spent is None:
        raise Unauthorized("enrolment code unknown, expired or already used; ask for a new one")
    person_id = int(spent.person_id)
    token = secrets.token_urlsafe(32)
    platform = platform[:32] or "unknown"
    device_id = add_device(
        conn, person_id, name, platform, now, last_seen_at=now, token_hash=digest(token)
    )
    pseudonym = conn.execute(select(people.c.pseudonym).where(people.c.id == person_id)).scalar()
    device_enrolled(conn, person_id, name, platform, now)  # the person hears of it
    return Enrolment(token, DeviceAuth(int(device_id), person_id, str(pseudonym)))


def authenticate(conn: Connection, token: str) -> DeviceAuth:
    """The device a bearer token belongs to; Unauthorized if unknown or revoked."""
    row = conn.execute(
        select(devices.c.id, devices.c.person_id, devices.c.revoked_at, people.c.pseudonym)
        .join(people, people.c.id == devices.c.person_id)
        .where(devices.c.token_hash == digest(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("device token unknown or revoked; enrol the device again")
    return DeviceAuth(int(row.id), int(row.person_id), str(row.pseudonym))


def touch(conn: Connection, device_id: int, now: datetime) -> None:
    """Note that the device was seen."""
    device_seen(conn, device_id, now)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not name.isprintable():
        raise BadRequest(f"device name must be 1-{MAX_NAME} printable characters")
