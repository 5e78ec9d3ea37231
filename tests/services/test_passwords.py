"""Passwords and sign-in over every backend: changes, one-time passwords, case-free names,
and the lock after repeated failures (issue 18, Accounts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select, text

from services.accounts import SESSION_ACTIONS, authenticate, list_accounts, sign_in
from services.admin import AdminRefused, create_account, reset_password
from services.errors import InvalidRequest, PasswordRefused
from services.passwords import MIN_LENGTH, change_password, reset_password_by_name
from storage.accounts import create_user, find_user, hash_password, username_key
from storage.db.engine import open_engine
from storage.db.migrate import _config, upgrade_to_head
from storage.db.schema import audit_log, users
from storage.sign_in_lock import LOCK_AFTER, LOCK_FOR

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
GOOD = "correct horse battery"
PHRASE = "long enough phrase"
ORIGIN = {"os_user": "ops", "uid": 1000, "program": "test"}


@pytest.fixture
def admin(engine: Engine) -> int:
    """An admin who chose their own password."""
    with engine.begin() as connection:
        return create_user(connection, "rosa", "admin", hash_password(GOOD), NOW)


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = select(audit_log.c.action).where(~audit_log.c.action.in_(SESSION_ACTIONS))
        return list(connection.execute(query.order_by("seq")).scalars())


def must_change(engine: Engine, user_id: int) -> bool:
    with engine.connect() as connection:
        query = select(users.c.must_change_password).where(users.c.id == user_id)
        return bool(connection.execute(query).scalar_one())


def test_generated_passwords_must_be_changed_and_a_change_clears_the_flag(
    engine: Engine, admin: int
) -> None:
    user, one_time = create_account(engine, admin, "grace.hopper", "dpo", NOW)
    assert must_change(engine, user) and not must_change(engine, admin)
    signed = authenticate(engine, "grace.hopper", one_time, NOW)
    assert signed is not None and signed.must_change_password
    change_password(engine, user, one_time, GOOD, GOOD, NOW)
    assert not must_change(engine, user)
    assert authenticate(engine, "grace.hopper", one_time, NOW) is None  # the old one stops
    mine = authenticate(engine, "grace.hopper", GOOD, NOW)
    assert mine is not None and not mine.must_change_password
    assert audit_actions(engine)[-1] == "account.password_changed"
    new = reset_password(engine, admin, user, NOW)
    assert must_change(engine, user)  # an admin has seen the new one
    assert authenticate(engine, "grace.hopper", new, NOW) is not None


@pytest.mark.parametrize(
    ("current", "new", "again", "reason"),
    [
        (GOOD, "short-one", "short-one", f"at least {MIN_LENGTH} characters"),
        (GOOD, "long enough phrase", "long enough phrasE", "confirmation differ"),
        (GOOD, GOOD, GOOD, "differ from the current one"),
        (GOOD, " " * 20, " " * 20, "only spaces"),
        ("not the password", PHRASE, PHRASE, "current password is wrong"),
    ],
)  # fmt: skip
def test_a_bad_change_is_refused_and_changes_nothing(
    engine: Engine, admin: int, current: str, new: str, again: str, reason: str
) -> None:
    with pytest.raises(PasswordRefused, match=reason):
        change_password(engine, admin, current, new, again, NOW)
    assert authenticate(engine, "rosa", GOOD, NOW) is not None


def test_names_are_compared_ignoring_case(engine: Engine, admin: int) -> None:
    create_account(engine, admin, "ada.lovelace", "dpo", NOW)
    with pytest.raises(AdminRefused, match="that username is taken"):
        create_account(engine, admin, "Ada.Lovelace", "dpo", NOW)
    with engine.begin() as connection, pytest.raises(ValueError, match="taken"):
        create_user(connection, "ROSA", "admin", None, NOW)
    assert authenticate(engine, "ROSA", GOOD, NOW) is not None
    assert authenticate(engine, "  Rosa ", GOOD, NOW) is not None
    with engine.connect() as connection:
        found = find_user(connection, "ADA.LOVELACE")
    assert found is not None and found.username == "ada.lovelace"  # stored as typed


def test_names_differing_in_case_from_before_keep_working(engine: Engine) -> None:
    # Two accounts that predate the comparison by key: each still signs in by its own
    # spelling; another spelling is ambiguous and finds neither.
    with engine.begin() as connection:
        for name in ("Max", "max"):
            connection.execute(
                insert(users).values(
                    username=name, username_key=username_key(name), role="dpo",
                    password_hash=hash_password(f"{name} pass 1234"), created_at=NOW,
                )
            )  # fmt: skip
    assert authenticate(engine, "Max", "Max pass 1234", NOW) is not None
    assert authenticate(engine, "max", "max pass 1234", NOW) is not None
    assert authenticate(engine, "MAX", "max pass 1234", NOW) is None


def fail(engine: Engine, name: str, times: int, at: datetime) -> datetime | None:
    lock = None
    for _ in range(times):
        lock = sign_in(engine, name, "wrong guess", at).locked_until
    return lock


def test_ten_failures_in_a_row_lock_the_account_for_fifteen_minutes(
    engine: Engine, database_url: str, admin: int
) -> None:
    assert fail(engine, "rosa", LOCK_AFTER - 1, NOW) is None
    assert authenticate(engine, "rosa", GOOD, NOW) is not None  # a success clears the count
    assert fail(engine, "rosa", LOCK_AFTER - 1, NOW) is None
    assert fail(engine, "Rosa", 1, NOW) == NOW + LOCK_FOR  # any case counts for the account
    assert audit_actions(engine)[-1] == "account.locked"
    # The lock is in the database: a new engine (a restarted server) sees it too.
    restarted = open_engine(database_url)
    try:
        refused = sign_in(restarted, "rosa", GOOD, NOW + timedelta(minutes=14))
        assert refused.account is None and refused.locked_until == NOW + LOCK_FOR
        rows = list_accounts(restarted, NOW)
        assert rows[0]["locked until"] == "2026-03-02 09:15 UTC"
        later = sign_in(restarted, "rosa", GOOD, NOW + LOCK_FOR + timedelta(seconds=1))
        assert later.account is not None
    finally:
        restarted.dispose()


def test_an_admin_or_the_cli_reset_lifts_a_lock(engine: Engine, admin: int) -> None:
    user, one_time = create_account(engine, admin, "grace.hopper", "dpo", NOW)
    assert fail(engine, "grace.hopper", LOCK_AFTER, NOW) is not None
    assert authenticate(engine, "grace.hopper", one_time, NOW) is None
    new = reset_password(engine, admin, user, NOW)
    assert authenticate(engine, "grace.hopper", new, NOW) is not None
    assert fail(engine, "grace.hopper", LOCK_AFTER, NOW) is not None
    name, by_cli = reset_password_by_name(engine, "GRACE.hopper", NOW, ORIGIN)
    assert name == "grace.hopper"
    assert authenticate(engine, "grace.hopper", by_cli, NOW) is not None
    with engine.connect() as connection:
        changes = select(audit_log).where(~audit_log.c.action.in_(SESSION_ACTIONS))
        last = connection.execute(changes.order_by(audit_log.c.seq.desc())).first()
    assert last is not None and last.action == "account.password_reset"
    assert last.actor == "system" and last.details["via"]["os_user"] == "ops"
    with pytest.raises(InvalidRequest, match="no account named 'nobody'"):
        reset_password_by_name(engine, "nobody", NOW, ORIGIN)


def test_a_wrong_current_password_counts_towards_the_lock(engine: Engine, admin: int) -> None:
    for _ in range(LOCK_AFTER):
        with pytest.raises(PasswordRefused, match="current password is wrong"):
            change_password(
                engine, admin, "a guess", "long enough phrase", "long enough phrase", NOW
            )
    assert sign_in(engine, "rosa", GOOD, NOW).locked_until == NOW + LOCK_FOR


def test_the_migration_keeps_existing_accounts_and_adds_their_key(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        config = _config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0013")
        with engine.begin() as connection:
            for name in ("Émile.Zola", "emile.zola"):  # differing in case: both kept
                connection.execute(
                    text("INSERT INTO users (username, role, password_hash, created_at) "
                         "VALUES (:n, 'dpo', :h, :t)"),
                    {"n": name, "h": hash_password(GOOD), "t": NOW},
                )  # fmt: skip
        upgrade_to_head(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                select(users.c.username, users.c.username_key, users.c.must_change_password,
                       users.c.failed_sign_ins, users.c.locked_until).order_by(users.c.username)
            ).all()  # fmt: skip
        assert sorted(tuple(r) for r in rows) == [
            ("emile.zola", "emile.zola", False, 0, None),
            ("Émile.Zola", "émile.zola", False, 0, None),
        ]
        assert authenticate(engine, "ÉMILE.ZOLA", GOOD, NOW) is not None
    finally:
        engine.dispose()
