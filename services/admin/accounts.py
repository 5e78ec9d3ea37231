"""Accounts and roles: create, reset a password, disable or enable, change role or teams.

No shared accounts: usernames are unique, an employee account belongs to exactly one
person (who has no other account), and an account is disabled, never deleted, so every
audit entry keeps naming the account that acted. There is always an enabled admin: the
last one can be neither disabled nor demoted, and no admin can disable or demote themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from services.admin.base import admin_transaction, record, team_ids_exist
from services.errors import AdminRefused
from storage.accounts import (
    create_user,
    enabled_admin_ids,
    hash_password,
    new_password,
    set_disabled,
    set_manager_teams,
    set_password_hash,
    set_role,
    user_row,
    username_taken,
)
from storage.audit import user_ref
from storage.db.schema import ROLES, manager_teams, people, users
from storage.os_accounts import link_os_user


def _check_role(
    connection: Connection, role: str, person_id: int | None, team_ids: set[int], user_id: int
) -> None:
    """The role's links: an employee has one person, a manager at least one team."""
    if role not in ROLES:
        raise AdminRefused(f"role must be one of {', '.join(ROLES)}")
    if role == "employee":
        if person_id is None:
            raise AdminRefused("an employee account needs its person")
        if connection.execute(select(people.c.id).where(people.c.id == person_id)).first() is None:
            raise AdminRefused("no such person; pick one from the list")
        other = select(users.c.id).where(users.c.person_id == person_id, users.c.id != user_id)
        if connection.execute(other).first() is not None:
            raise AdminRefused("that person already has an account; reset its password instead")
    elif person_id is not None:
        raise AdminRefused("only an employee account belongs to a person")
    if role == "manager":
        if not team_ids:
            raise AdminRefused("a manager account needs at least one team")
        team_ids_exist(connection, team_ids)
    elif team_ids:
        raise AdminRefused("only a manager account has teams")


def create_account(
    engine: Engine,
    actor_id: int,
    username: str,
    role: str,
    now: datetime,
    *,
    person_id: int | None = None,
    team_ids: Iterable[int] = (),
) -> tuple[int, str]:
    """Create a named account; return its id and its one-time password (shown once)."""
    name, teams = username.strip(), set(team_ids)
    with admin_transaction(engine, actor_id) as connection:
        if username_taken(connection, name):  # "Ada.Lovelace" is taken by "ada.lovelace"
            raise AdminRefused(
                "that username is taken (names are compared ignoring case); "
                "every account is one named person"
            )
        _check_role(connection, role, person_id, teams, 0)
        password = new_password()
        # Generated and seen by the admin: its user replaces it at first sign-in.
        user_id = create_user(
            connection, name, role, hash_password(password), now, person_id,
            must_change_password=True,
        )  # fmt: skip
        set_manager_teams(connection, user_id, teams)
        details = {"role": role, "team_ids": sorted(teams)}
        record(connection, actor_id, "account.created", user_ref(user_id), details, now)
        return user_id, password


def _target(connection: Connection, user_id: int) -> Any:
    row = user_row(connection, user_id)
    if row is None:
        raise AdminRefused("no such account; pick one from the list")
    return row


def reset_password(engine: Engine, actor_id: int, user_id: int, now: datetime) -> str:
    """Give the account a new random password; return it (shown once). The old one stops.

    This also lifts a lock after failed sign-ins, and its user must replace the password at
    their next sign-in (the admin has seen it).
    """
    with admin_transaction(engine, actor_id) as connection:
        _target(connection, user_id)
        password = new_password()
        set_password_hash(connection, user_id, hash_password(password), must_change=True)
        record(connection, actor_id, "account.password_reset", user_ref(user_id), {}, now)
        return password


def _keep_an_admin(connection: Connection, actor_id: int, row: Any, what: str) -> None:
    """Refuse removing an admin that is the actor or the last enabled one."""
    if row.role != "admin" or row.disabled_at is not None:
        return
    # The last admin first: for the only admin acting on themselves, that is the reason.
    if enabled_admin_ids(connection) == {row.id}:
        raise AdminRefused(f"cannot {what} the last enabled admin; enable or create another")
    if row.id == actor_id:
        raise AdminRefused(f"you cannot {what} your own account; ask another admin")


def set_enabled(engine: Engine, actor_id: int, user_id: int, enabled: bool, now: datetime) -> None:
    """Disable an account (it can no longer sign in) or enable it again."""
    with admin_transaction(engine, actor_id) as connection:
        row = _target(connection, user_id)
        if (row.disabled_at is None) == enabled:
            raise AdminRefused(f"the account is already {'enabled' if enabled else 'disabled'}")
        if not enabled:
            _keep_an_admin(connection, actor_id, row, "disable")
        set_disabled(connection, user_id, None if enabled else now)
        action = "account.enabled" if enabled else "account.disabled"
        record(connection, actor_id, action, user_ref(user_id), {}, now)


def change_role(
    engine: Engine,
    actor_id: int,
    user_id: int,
    role: str,
    now: datetime,
    *,
    person_id: int | None = None,
    team_ids: Iterable[int] = (),
) -> None:
    """Change an account's role, with its person (employee) or teams (manager)."""
    teams = set(team_ids)
    with admin_transaction(engine, actor_id) as connection:
        row = _target(connection, user_id)
        if role == row.role != "manager" and person_id == row.person_id:
            raise AdminRefused("nothing to change: the account already has that role")
        if role != "admin":
            _keep_an_admin(connection, actor_id, row, "demote")
        _check_role(connection, role, person_id, teams, user_id)
        set_role(connection, user_id, role, person_id)
        set_manager_teams(connection, user_id, teams)
        details = {"from": row.role, "to": role, "team_ids": sorted(teams)}
        record(connection, actor_id, "account.role_changed", user_ref(user_id), details, now)


def change_teams(
    engine: Engine, actor_id: int, user_id: int, team_ids: Iterable[int], now: datetime
) -> None:
    """Replace the teams a manager account may see."""
    teams = set(team_ids)
    with admin_transaction(engine, actor_id) as connection:
        row = _target(connection, user_id)
        if row.role != "manager":
            raise AdminRefused("only a manager account has teams")
        _check_role(connection, "manager", None, teams, user_id)
        set_manager_teams(connection, user_id, teams)
        details = {"team_ids": sorted(teams)}
        record(connection, actor_id, "account.teams_changed", user_ref(user_id), details, now)


def account_choices(engine: Engine) -> list[dict[str, Any]]:
    """Every account with id, username, role, person, teams and whether it is enabled."""
    u = users.c
    query = select(u.id, u.username, u.role, u.person_id, u.disabled_at, u.os_user).order_by(
        u.username
    )
    with engine.connect() as connection:
        scoped: dict[int, list[int]] = {}
        for user_id, team_id in connection.execute(select(manager_teams)):
            scoped.setdefault(int(user_id), []).append(int(team_id))
        return [
            {
                **dict(r._mapping),
                "enabled": r.disabled_at is None,
                "team_ids": sorted(scoped.get(int(r.id), [])),
            }
            for r in connection.execute(query)
        ]


def link_os_account(
    engine: Engine, actor_id: int, user_id: int, os_user: str | None, now: datetime
) -> None:
    """Link the account to the OS account that runs `traq` as it on the server (None: unlink).

    A DPO account acts from the command line only from that OS account (README: Who ran a
    command); changing the link is audited like any change of who may act.
    """
    with admin_transaction(engine, actor_id) as connection:
        _target(connection, user_id)
        try:
            link_os_user(connection, user_id, (os_user or "").strip() or None)
        except ValueError as exc:
            raise AdminRefused(str(exc)) from exc
        details = {"os_user": (os_user or "").strip() or None}
        record(connection, actor_id, "account.os_user_linked", user_ref(user_id), details, now)
