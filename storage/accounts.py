"""Workbench accounts: named users with a role and an argon2 password hash."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from storage.db.schema import ROLES, manager_teams, users

_hasher = PasswordHasher()

# Names that say what an account is for, not who uses it: such an account gets shared, and
# then the audit log cannot say who did what. Compared with digits, dots and dashes removed.
ROLE_NAMES = frozenset(
    {
        "admin", "administrator", "root", "superuser", "sysadmin", "su", "system", "manager",
        "dpo", "employee", "user", "guest", "test", "shared", "default", "owner", "operator",
        "itadmin", "webmaster", "support", "helpdesk", "office", "team", "staff", "everyone",
    }
)  # fmt: skip


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; slow by design)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A random password that is easy to type once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def create_user(
    connection: Connection,
    username: str,
    role: str,
    password_hash: str | None,
    now: datetime,
    person_id: int | None = None,
) -> int:
    """Insert an account and return its id; ValueError for a bad role or name."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_username(username)
    result = connection.execute(
        insert(users).values(
            username=username,
            role=role,
            password_hash=password_hash,
            person_id=person_id,
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def check_username(username: str) -> None:
    """ValueError unless ``username`` is 1-64 letters, digits, dots or dashes naming a person.

    A role's name ("admin", "dpo-1", ...) is refused: every action must be by someone.
    """
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").isalnum()
    ):
        raise ValueError("username must be 1-64 letters, digits, dots or dashes")
    if re.sub(r"[\d.-]", "", username.lower()) in ROLE_NAMES:
        raise ValueError(
            f"{username!r} names a role, not a person: accounts are personal so that the "
            "audit log says who did what (e.g. ada.lovelace)"
        )


def has_admin(connection: Connection) -> bool:
    """Whether any admin account exists."""
    return connection.execute(select(users.c.id).where(users.c.role == "admin")).first() is not None


def user_row(connection: Connection, user_id: int) -> Any | None:
    """The account's row (id, username, role, person, disabled time), or None."""
    u = users.c
    query = select(u.id, u.username, u.role, u.person_id, u.disabled_at).where(u.id == user_id)
    return connection.execute(query).first()


def enabled_admin_ids(connection: Connection) -> set[int]:
    """Ids of the enabled admin accounts, locked until the transaction ends.

    The lock (PostgreSQL ``FOR UPDATE``; SQLite serialises writers anyway) keeps two
    admins from each removing the other at the same moment and leaving none.
    """
    query = (
        select(users.c.id)
        .where(users.c.role == "admin", users.c.disabled_at.is_(None))
        .with_for_update()
    )
    return {int(i) for i in connection.execute(query).scalars()}


def set_password_hash(connection: Connection, user_id: int, password_hash: str) -> None:
    """Replace the account's password hash."""
    connection.execute(
        update(users).where(users.c.id == user_id).values(password_hash=password_hash)
    )


def set_disabled(connection: Connection, user_id: int, disabled_at: datetime | None) -> None:
    """Disable the account from ``disabled_at``, or enable it again with None."""
    connection.execute(update(users).where(users.c.id == user_id).values(disabled_at=disabled_at))


def set_role(connection: Connection, user_id: int, role: str, person_id: int | None) -> None:
    """Change the account's role (and the person an employee account belongs to)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    connection.execute(
        update(users).where(users.c.id == user_id).values(role=role, person_id=person_id)
    )


def set_manager_teams(connection: Connection, user_id: int, team_ids: Iterable[int]) -> None:
    """Replace the teams a manager account may see."""
    connection.execute(delete(manager_teams).where(manager_teams.c.user_id == user_id))
    rows = [{"user_id": user_id, "team_id": t} for t in sorted(set(team_ids))]
    if rows:
        connection.execute(insert(manager_teams), rows)
