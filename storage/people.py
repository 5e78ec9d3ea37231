"""People and teams as an administrator creates them: rows, pseudonyms and key pairs.

Every function runs in the caller's transaction, so a caller that also writes the audit log
gets all or nothing. Shape checks raise ValueError; uniqueness is the database's to enforce.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import available_timezones

from sqlalchemy import Connection, insert, select, update

from storage.db.schema import people, teams
from storage.vault import KeyVault, SubjectPublicKey

PROFILE_FIELDS = ("display_name", "email", "timezone")


def new_pseudonym() -> str:
    """A fresh pseudonymous id (``s_`` and 16 hex digits) for object keys."""
    return "s_" + secrets.token_hex(8)


def _text(value: str, what: str, longest: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > longest or "\n" in cleaned:
        raise ValueError(f"{what} must be 1-{longest} characters on one line")
    return cleaned


def check_email(email: str | None) -> str | None:
    """The cleaned e-mail address (None when empty); ValueError when it is not one."""
    if email is None or not email.strip():
        return None
    cleaned = _text(email, "e-mail", 320)
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned or domain.startswith("."):
        raise ValueError("e-mail must look like name@example.org")
    return cleaned.lower()


def check_timezone(timezone: str) -> str:
    """``timezone`` if it is an IANA time zone name; ValueError otherwise."""
    if timezone not in available_timezones():
        raise ValueError("time zone must be an IANA name such as Europe/Paris")
    return timezone


def check_profile(values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Cleaned profile fields (display name, e-mail, time zone); ValueError on a bad one."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile field(s): {', '.join(sorted(unknown))}")
    cleaned: dict[str, str | None] = {}
    if "display_name" in values:
        cleaned["display_name"] = _text(values["display_name"] or "", "display name", 200)
    if "email" in values:
        cleaned["email"] = check_email(values["email"])
    if "timezone" in values:
        cleaned["timezone"] = check_timezone(values["timezone"] or "")
    return cleaned


def create_team(connection: Connection, name: str, department: str) -> int:
    """Insert a team and return its id; ValueError for a blank or long name."""
    statement = insert(teams).values(
        name=_text(name, "team name", 120), department=_text(department, "department", 120)
    )
    return int(connection.execute(statement.returning(teams.c.id)).scalar_one())


def enrol_person(
    connection: Connection,
    vault: KeyVault,
    profile: Mapping[str, str | None],
    team_id: int,
    now: datetime,
) -> tuple[int, SubjectPublicKey]:
    """Insert a person with a new pseudonym and key pair; return the id and public key.

    The key pair is created exactly as ``traq demo`` creates it, in the same transaction:
    a person never exists without the key their collector seals screenshots to.
    """
    cleaned = check_profile(profile)
    if set(cleaned) != set(PROFILE_FIELDS):
        raise ValueError("a new person needs a display name, an e-mail and a time zone")
    statement = insert(people).values(
        pseudonym=new_pseudonym(), team_id=team_id, created_at=now, **cleaned
    )
    person_id = int(connection.execute(statement.returning(people.c.id)).scalar_one())
    return person_id, vault.create_subject_key(connection, person_id, now)


def update_person(connection: Connection, person_id: int, values: dict[str, object]) -> None:
    """Set columns of one person (profile fields already checked, or ``team_id``)."""
    connection.execute(update(people).where(people.c.id == person_id).values(**values))


def person_row(connection: Connection, person_id: int) -> dict[str, object] | None:
    """The person's team and profile fields, or None when there is no such person."""
    p = people.c
    row = connection.execute(
        select(p.id, p.team_id, p.display_name, p.email, p.timezone).where(p.id == person_id)
    ).first()
    return None if row is None else dict(row._mapping)
