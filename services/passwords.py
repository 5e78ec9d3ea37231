"""Passwords chosen by their users (the change form's rules, the first-sign-in change), and
the server operator's reset (`traq accounts reset-password`).

A generated password (``traq init --admin``, an admin's new account or reset) has been seen
by someone else, so its account must choose its own before anything else
(``users.must_change_password``). A change needs the current password: a session left open
on someone's desk is not enough to take the account over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from services.errors import InvalidRequest, PasswordRefused
from storage import audit
from storage.accounts import (
    find_user,
    hash_password,
    new_password,
    set_password_hash,
    user_password_row,
    verify_password,
)
from storage.sign_in_lock import locked_until, record_failure

MIN_LENGTH = 12  # NIST SP 800-63B asks for at least 8; 12 gives a passphrase some room
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work one form can ask for


def check_new_password(new: str, confirmation: str, current: str) -> None:
    """PasswordRefused unless ``new`` may replace ``current`` (rules only, no database)."""
    if new != confirmation:
        raise PasswordRefused("the new password and its confirmation differ; type both again")
    if len(new) < MIN_LENGTH:
        raise PasswordRefused(f"the new password must be at least {MIN_LENGTH} characters long")
    if len(new) > MAX_LENGTH:
        raise PasswordRefused(f"the new password must be at most {MAX_LENGTH} characters long")
    if not new.strip():
        raise PasswordRefused("the new password must not be only spaces")
    if new == current:
        raise PasswordRefused("the new password must differ from the current one")


def change_password(
    engine: Engine, user_id: int, current: str, new: str, confirmation: str, now: datetime
) -> None:
    """Replace the account's password with ``new``, checked against ``current``.

    A wrong current password counts as a failed sign-in (it is one, against the same lock),
    so an open session cannot be used to guess it.
    """
    check_new_password(new, confirmation, current)
    with engine.begin() as connection:
        row = user_password_row(connection, user_id)
        if row is None or row.disabled_at is not None or row.password_hash is None:
            raise PasswordRefused("this account has no password to change here")
        if locked_until(row, now) is not None:
            raise PasswordRefused("too many failed tries: the account is locked for now")
        right = verify_password(row.password_hash, current)
        if right:
            set_password_hash(connection, user_id, hash_password(new), must_change=False)
            me = audit.user_ref(user_id)
            audit.append(connection, me, "account.password_changed", me, {}, now)
        else:
            record_failure(connection, user_id, now)  # committed: raising here would undo it
    if not right:
        raise PasswordRefused("the current password is wrong")


def reset_password_by_name(
    engine: Engine, username: str, now: datetime, origin: dict[str, Any]
) -> tuple[str, str]:
    """A new one-time password for the account ``username`` (any case): (its name, password).

    The server operator's way back in (`traq accounts reset-password`), e.g. for the only
    admin, locked out or with the password lost. Like an admin's reset it lifts a lock and
    the account must choose its own password at the next sign-in. The audit entry's actor is
    the system, with the OS account that ran the command beside it (``origin``).
    """
    with engine.begin() as connection:
        row = find_user(connection, username)
        if row is None:
            raise InvalidRequest(f"no account named {username.strip()!r}; check the spelling")
        password = new_password()
        set_password_hash(connection, int(row.id), hash_password(password), must_change=True)
        with audit.recorded_origin(connection, origin):
            audit.append(
                connection, audit.SYSTEM, "account.password_reset",
                audit.user_ref(int(row.id)), {}, now,
            )  # fmt: skip
        return str(row.username), password
