"""Workbench accounts for the app: sign-in, the teams a manager may see, admin listings.

The app may not read tables itself; these are the few account facts it needs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, func, select

from storage import audit
from storage.accounts import find_user, has_admin, hash_password, verify_password
from storage.audit import user_ref
from storage.db.schema import manager_teams, people, teams, users
from storage.policies import load_policies
from storage.sign_in_lock import locked_until, record_failure, record_success

# What a session leaves in the audit log (sign-ins, failures, sign-outs), as opposed to a
# change made to an account.
SESSION_ACTIONS = ("account.signed_in", "account.sign_in_failed", "account.signed_out")


@dataclass(frozen=True)
class Account:
    """A signed-in user: a named account, its role, its person (employees) and teams."""

    user_id: int
    username: str
    role: str
    person_id: int | None
    team_ids: frozenset[int]
    must_change_password: bool = False  # while True, the only page is the change form


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password sign-in: the account, or None and maybe why (a lock)."""

    account: Account | None
    locked_until: datetime | None = None


def sign_in(engine: Engine, username: str, password: str, now: datetime) -> SignIn:
    """Check a password sign-in, counting a failure against the named account's lock.

    Every answer costs one argon2 verification, so the time taken does not tell whether
    ``username`` exists, is disabled or signs in only through single sign-on. Names are
    compared ignoring case. A locked account is refused even with the right password.
    """
    with engine.begin() as connection:
        row = find_user(connection, username)
        usable = row is not None and row.password_hash is not None and row.disabled_at is None
        stored = row.password_hash if usable and row is not None else _decoy_hash()
        right = verify_password(stored, password)
        if row is None or not usable:
            # The typed name is not logged: people type their password there by mistake.
            audit.append(connection, "anonymous", SESSION_ACTIONS[1], None, {"known": False}, now)
            return SignIn(None)
        me = user_ref(int(row.id))
        lock = locked_until(row, now)
        if lock is not None:
            audit.append(
                connection, "anonymous", "account.sign_in_failed", me, {"locked": True}, now
            )
            return SignIn(None, lock)
        if not right:
            audit.append(
                connection, "anonymous", "account.sign_in_failed", me, {"known": True}, now
            )
            return SignIn(None, record_failure(connection, int(row.id), now))
        record_success(connection, int(row.id))
        audit.append(connection, me, "account.signed_in", me, {"method": "password"}, now)
        return SignIn(_account(connection, row))


def record_sign_out(engine: Engine, user_id: int, now: datetime) -> None:
    """Log that the account signed out (the audit log holds sign-ins and sign-outs)."""
    with engine.begin() as connection:
        me = user_ref(user_id)
        audit.append(connection, me, SESSION_ACTIONS[2], me, {}, now)


def authenticate(
    engine: Engine, username: str, password: str, now: datetime | None = None
) -> Account | None:
    """The account if ``password`` is right and the account is enabled and unlocked."""
    return sign_in(engine, username, password, now or datetime.now(UTC)).account


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    """A hash no password matches, with the installation's argon2 cost."""
    return hash_password(secrets.token_urlsafe(32))


def admin_exists(engine: Engine) -> bool:
    """Whether the installation has an admin account yet (`traq init --admin NAME`)."""
    with engine.connect() as connection:
        return has_admin(connection)


def reload_account(engine: Engine, user_id: int) -> Account | None:
    """The account again (roles or teams may have changed); None if disabled or gone."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
        if row is None or row.disabled_at is not None:
            return None
        return _account(connection, row)


def _account(connection: Any, row: Any) -> Account:
    if row.role == "manager":
        query = select(manager_teams.c.team_id).where(manager_teams.c.user_id == row.id)
        team_ids = frozenset(int(t) for t in connection.execute(query).scalars())
    elif row.role == "admin":
        team_ids = frozenset(int(t) for t in connection.execute(select(teams.c.id)).scalars())
    else:
        team_ids = frozenset()
    person = int(row.person_id) if row.person_id is not None else None
    return Account(
        int(row.id), str(row.username), str(row.role), person, team_ids,
        bool(row.must_change_password),
    )  # fmt: skip


def team_names(engine: Engine) -> dict[int, str]:
    """Team id -> name, for every team."""
    with engine.connect() as connection:
        rows = connection.execute(select(teams.c.id, teams.c.name).order_by(teams.c.name))
        return {int(i): str(n) for i, n in rows}


def team_sizes(engine: Engine) -> list[dict[str, Any]]:
    """Every team with its department and how many people it has now, empty teams too (a
    team just created, or emptied by moves, is where the next person goes)."""
    counted = (
        select(teams.c.name, teams.c.department, func.count(people.c.id))
        .select_from(teams.outerjoin(people, people.c.team_id == teams.c.id))
        .group_by(teams.c.id, teams.c.name, teams.c.department)
        .order_by(teams.c.name)
    )
    with engine.connect() as connection:
        return [
            {"team": t, "department": d, "people": int(n)}
            for t, d, n in connection.execute(counted)
        ]


def list_accounts(engine: Engine, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every account: username, role, whether disabled, a manager's teams, and whether it
    must change its password or is locked at ``now`` (no hashes)."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        scoped: dict[int, list[str]] = {}
        query = select(manager_teams.c.user_id, teams.c.name).join(
            teams, teams.c.id == manager_teams.c.team_id
        )
        for user_id, name in connection.execute(query):
            scoped.setdefault(int(user_id), []).append(str(name))
        rows = connection.execute(select(users).order_by(users.c.role, users.c.username))
        return [
            {
                "username": r.username,
                "role": r.role,
                "disabled": r.disabled_at is not None,
                "teams": ", ".join(sorted(scoped.get(int(r.id), []))),
                "OS account": r.os_user or "",
                "must change password": bool(r.must_change_password),
                "locked until": _lock_text(locked_until(r, now)),
            }
            for r in rows
        ]


def _lock_text(until: datetime | None) -> str:
    return "" if until is None else f"{until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def list_people(engine: Engine) -> list[dict[str, Any]]:
    """Every person with their team, consent state and departure date (for administrators)."""
    p = people.c
    query = (
        select(p.display_name, teams.c.name, teams.c.department, p.timezone, p.consent, p.left_at)
        .join(teams, teams.c.id == p.team_id)
        .order_by(teams.c.name, p.display_name)
    )
    with engine.connect() as connection:
        return [
            {"name": n, "team": t, "department": d, "timezone": z, "consent": c,
             "left": left.date().isoformat() if left is not None else ""}
            for n, t, d, z, c, left in connection.execute(query)
        ]  # fmt: skip


def policies(engine: Engine) -> dict[str, Any]:
    """The organisation's policies in force (stored values over defaults)."""
    with engine.connect() as connection:
        return load_policies(connection)
