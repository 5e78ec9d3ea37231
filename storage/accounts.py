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


def username_key(username: str) -> str:
    """What account names are compared by: "Ada.Lovelace" and "ada.lovelace" are one name.

    Python's casefold, not SQL's lower(): SQLite's lower() folds ASCII letters only.
    """
    return username.strip().casefold()


def find_user(connection: Connection, username: str) -> Any | None:
    """The account row named ``username`` in any case, or None.

    Names differing only in case may predate the comparison by key (migration 0020): then
    the exact spelling wins, and without one the name is ambiguous and finds nothing.
    """
    rows = connection.execute(
        select(users).where(users.c.username_key == username_key(username))
    ).all()
    if len(rows) == 1:
        return rows[0]
    return next((r for r in rows if r.username == username.strip()), None)


def username_taken(connection: Connection, username: str) -> bool:
    """Whether an account has ``username`` in any case."""
    query = select(users.c.id).where(users.c.username_key == username_key(username))
    return connection.execute(query.limit(1)).first() is not None


def create_user(
    connection: Connection,
    username: str,
    role: str,
    password_hash: str | None,
    now: datetime,
    person_id: int | None = None,
    *,
    must_change_password: bool = False,
) -> int:
    """Insert an account and return its id; ValueError for a bad role or a bad or taken name.

    ``must_change_password``: the password was generated and shown to someone other than
    its user (or on a screen), so the first sign-in only lets them choose their own.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_username(username)
    if username_taken(connection, username):
        raise ValueError(
            "that username is taken (names are compared ignoring case); "
            "every account is one named person"
        )
    result = connection.execute(
        insert(users).values(
            username=username,
            username_key=username_key(username),
            role=role,
            password_hash=password_hash,
            person_id=person_id,
            created_at=now,
            must_change_password=must_change_password,
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


def user_password_row(connection: Connection, user_id: int) -> Any | None:
    """The account's row with its password hash, lock and flags (for a password change)."""
    return connection.execute(select(users).where(users.c.id == user_id)).first()


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


def set_password_hash(
    connection: Connection, user_id: int, password_hash: str, *, must_change: bool
) -> None:
    """Replace the account's password hash; this also lifts a lock and clears the failures.

    ``must_change``: the new password was generated (a reset), so its user replaces it at
    their next sign-in; False when they chose it themselves.
    """
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(
            password_hash=password_hash,
            must_change_password=must_change,
            failed_sign_ins=0,
            locked_until=None,
        )
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
