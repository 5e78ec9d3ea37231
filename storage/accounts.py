"""Workbench accounts: named users with a role and an argon2 password hash."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select

from storage.db.schema import ROLES, users

_hasher = PasswordHasher()


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
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").isalnum()
    ):
        raise ValueError("username must be 1-64 letters, digits, dots or dashes")
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


def has_admin(connection: Connection) -> bool:
    """Whether any admin account exists."""
    return connection.execute(select(users.c.id).where(users.c.role == "admin")).first() is not None
