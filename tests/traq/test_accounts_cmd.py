"""`traq accounts reset-password NAME`: a one-time password from the server."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from services.accounts import SESSION_ACTIONS, authenticate, sign_in
from storage.config import load_settings
from storage.db.engine import open_engine
from storage.db.schema import audit_log, users
from storage.sign_in_lock import LOCK_AFTER
from tests.traq.cli import assert_one_line_error, traq

ONE_TIME = re.compile(r"one-time password \(shown once; changed at next sign-in\): (\S+)")


def test_reset_password_prints_a_one_time_password(tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    init = traq("init", "--admin", "ada.lovelace", env=env)
    assert init.returncode == 0, init.stderr
    engine = open_engine(load_settings(env).database_url)
    try:
        assert sign_in(engine, "ada.lovelace", "guess", _now()).account is None
        for _ in range(LOCK_AFTER):  # the only admin locked out
            sign_in(engine, "ada.lovelace", "guess", _now())
        result = traq("accounts", "reset-password", "Ada.Lovelace", env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("account 'ada.lovelace' one-time password")
        found = ONE_TIME.search(result.stdout)
        assert found, result.stdout
        signed = authenticate(engine, "ada.lovelace", found.group(1))
        assert signed is not None and signed.must_change_password  # lock lifted, flag set
        with engine.connect() as connection:
            changes = select(audit_log).where(~audit_log.c.action.in_(SESSION_ACTIONS))
            last = connection.execute(changes.order_by(audit_log.c.seq.desc())).first()
            flag = connection.execute(select(users.c.must_change_password)).scalar_one()
        assert last is not None and last.action == "account.password_reset"
        assert last.details["via"]["program"] == "traq accounts reset-password"
        assert flag is True
    finally:
        engine.dispose()


def test_an_unknown_name_is_one_line(tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    assert traq("init", env=env).returncode == 0
    result = traq("accounts", "reset-password", "nobody", env=env)
    assert_one_line_error(
        result, "traq accounts: error: no account named 'nobody'; check the spelling"
    )
    assert result.returncode == 1 and result.stdout == ""


def test_before_init_it_says_to_run_init(tmp_path: Path) -> None:
    tmp_path.joinpath("traq.db").touch()
    result = traq("accounts", "reset-password", "ada", env={"TRAQ_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, "traq init")


def _now() -> datetime:
    return datetime.now(UTC)
