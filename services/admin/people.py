"""People and teams: create a team, enrol a person with their key pair, move, edit.

Each function checks, writes and audit-logs in one transaction (``admin_transaction``).
The audit entries hold ids and the names of the fields changed, never the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from services.admin.base import admin_transaction, record, team_ids_exist
from services.errors import AdminRefused
from storage.audit import person_ref
from storage.db.schema import people, teams
from storage.people import check_profile, create_team, enrol_person, person_row, update_person
from storage.policies import JURISDICTIONS
from storage.vault import KeyVault


def add_team(engine: Engine, actor_id: int, name: str, department: str, now: datetime) -> int:
    """Create a team; return its id. AdminRefused when the name is taken or blank."""
    with admin_transaction(engine, actor_id) as connection:
        taken = select(teams.c.id).where(func.lower(teams.c.name) == name.strip().lower())
        if connection.execute(taken).first() is not None:
            raise AdminRefused("a team with that name already exists")
        team_id = create_team(connection, name, department)
        record(connection, actor_id, "team.created", None, {"team_id": team_id}, now)
        return team_id


def _email_free(connection: Any, email: str | None, person_id: int | None = None) -> None:
    if email is None:
        return
    query = select(people.c.id).where(func.lower(people.c.email) == email.lower())
    found = connection.execute(query).scalar_one_or_none()
    if found is not None and found != person_id:
        raise AdminRefused("another person already has that e-mail address")


def add_person(
    engine: Engine,
    vault: KeyVault,
    actor_id: int,
    profile: Mapping[str, str | None],
    team_id: int,
    now: datetime,
) -> int:
    """Enrol a person in ``team_id`` with a new key pair in the vault; return their id.

    ``profile`` holds ``display_name``, ``email`` and ``timezone``; ``vault`` (opened with
    the master key) wraps the new private key.
    """
    with admin_transaction(engine, actor_id) as connection:
        team_ids_exist(connection, {team_id})
        _email_free(connection, check_profile(profile).get("email"))
        person_id, key = enrol_person(connection, vault, profile, team_id, now)
        details = {"team_id": team_id, "key_id": key.key_id}
        record(connection, actor_id, "person.created", person_ref(person_id), details, now)
        return person_id


def _person(connection: Any, person_id: int) -> dict[str, object]:
    found = person_row(connection, person_id)
    if found is None:
        raise AdminRefused("no such person; pick one from the list")
    return found


def move_person(engine: Engine, actor_id: int, person_id: int, team_id: int, now: datetime) -> None:
    """Move a person to another team."""
    with admin_transaction(engine, actor_id) as connection:
        before = _person(connection, person_id)
        team_ids_exist(connection, {team_id})
        if before["team_id"] == team_id:
            raise AdminRefused("the person is already in that team")
        update_person(connection, person_id, {"team_id": team_id})
        details = {"from_team_id": before["team_id"], "to_team_id": team_id}
        record(connection, actor_id, "person.moved", person_ref(person_id), details, now)


def edit_person(
    engine: Engine, actor_id: int, person_id: int, profile: Mapping[str, str | None], now: datetime
) -> list[str]:
    """Change profile fields of a person; return the names of the fields that changed."""
    with admin_transaction(engine, actor_id) as connection:
        before = _person(connection, person_id)
        cleaned = check_profile(profile)
        _email_free(connection, cleaned.get("email"), person_id)
        changed = {k: v for k, v in cleaned.items() if before[k] != v}
        if not changed:
            raise AdminRefused("nothing to change: the profile already reads so")
        update_person(connection, person_id, dict(changed))
        details = {"fields": sorted(changed)}
        record(connection, actor_id, "person.edited", person_ref(person_id), details, now)
        return sorted(changed)


def set_jurisdiction(
    engine: Engine, actor_id: int, person_id: int, law: str | None, now: datetime
) -> None:
    """Set whose deadlines apply to the person's rights requests (None: the policy default)."""
    if law is not None and law not in JURISDICTIONS:
        raise AdminRefused(f"jurisdiction must be one of {', '.join(JURISDICTIONS)}")
    with admin_transaction(engine, actor_id) as connection:
        _person(connection, person_id)
        connection.execute(update(people).where(people.c.id == person_id).values(jurisdiction=law))
        details = {"jurisdiction": law or "default"}
        record(connection, actor_id, "person.jurisdiction_set", person_ref(person_id), details, now)


def people_choices(engine: Engine) -> list[dict[str, Any]]:
    """Every person with ids and profile, for the administrator's forms."""
    p = people.c
    query = select(
        p.id, p.display_name, p.email, p.timezone, p.team_id, p.left_at, p.jurisdiction
    ).order_by(p.display_name, p.id)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
