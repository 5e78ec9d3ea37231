"""`--as` is a claim: the OS account that ran `traq` is recorded beside it, and DPO actions run
only from the OS account linked to the DPO's workbench account (issue 16, README "Who ran a
command"). Written as someone at the server's shell who wants to act as the DPO.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.db.engine import open_engine
from storage.db.schema import audit_log, rights_requests, users
from storage.os_accounts import link_os_user, running_os_account
from tests.fixtures.rigs import missing_rig
from tests.traq.cli import assert_one_line_error, traq
from traq import main as traq_main
from traq.demo.accounts import DPO

DEMO = ["demo", "--employees", "6", "--days", "1", "--seed", "5", "--end", "2026-03-31",
        "--screenshot-days", "0"]  # fmt: skip
NOBODY = 65534


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A small demo (its DPO linked to the OS account running the tests, as `traq demo` does)."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for argv in (["init"], DEMO):
        result = traq(*argv, env=env)
        assert result.returncode == 0, result.stderr
    return env


def _link(env: dict[str, str], username: str, os_user: str | None) -> None:
    engine = open_engine(env["TRAQ_DATABASE_URL"])
    with engine.begin() as c:
        user_id = c.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        link_os_user(c, user_id, os_user)
    engine.dispose()


def _entries(env: dict[str, str]) -> list[Any]:
    engine = open_engine(env["TRAQ_DATABASE_URL"])
    with engine.connect() as c:
        rows = c.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    engine.dispose()
    return list(rows)


def _employee(env: dict[str, str]) -> str:
    engine = open_engine(env["TRAQ_DATABASE_URL"])
    with engine.connect() as c:
        name = c.execute(
            select(users.c.username).where(users.c.role == "employee").order_by(users.c.id)
        ).first()
    engine.dispose()
    assert name is not None
    return str(name[0])


def _file(env: dict[str, str]) -> str:
    filed = traq("rights", "file", "access", "--as", _employee(env), "--json", env=env)
    assert filed.returncode == 0, filed.stderr
    return str(json.loads(filed.stdout)["id"])


def test_every_entry_records_the_os_account_beside_the_claimed_actor(
    env: dict[str, str],
) -> None:
    request = _file(env)  # an employee's own action: recorded, not refused
    listed = traq("rights", "review", request, "--as", DPO, env=env)
    assert listed.returncode == 0, listed.stderr
    me = running_os_account()
    filed, reviewed = (e for e in _entries(env) if e.action.startswith("request."))
    assert filed.details["via"] == {
        "os_user": me.name,
        "uid": me.uid,
        "program": "traq rights file",
    }
    assert reviewed.details["via"] == {
        "os_user": me.name, "uid": me.uid, "program": "traq rights review",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("os_user", "message"),
    [("ilse", "belongs to another OS account"), (None, "has no linked OS account")],
)
def test_dpo_actions_are_refused_from_another_os_account(
    env: dict[str, str], os_user: str | None, message: str
) -> None:
    request = _file(env)
    _link(env, DPO, os_user)
    before = len(_entries(env))
    for argv in (
        ("rights", "approve", request, "--as", DPO),
        ("rights", "list", "--as", DPO),
        ("grants", "list", "--as", DPO),
        ("grants", "give", "--as", DPO, "--account", _employee(env), "--purpose", "x",
         "--from", "2026-03-01", "--to", "2026-03-31", "--until", "2099-01-01"),
    ):  # fmt: skip
        assert_one_line_error(traq(*argv, env=env), "error:", message)
    assert len(_entries(env)) == before
    engine = open_engine(env["TRAQ_DATABASE_URL"])
    with engine.connect() as c:
        state = c.execute(select(rights_requests.c.state)).scalar_one()
    engine.dispose()
    assert state == "received"


def test_the_login_name_in_the_environment_is_not_believed(env: dict[str, str]) -> None:
    _link(env, DPO, "ilse")
    spoofed = {**env, "USER": "ilse", "LOGNAME": "ilse", "USERNAME": "ilse"}
    result = traq("rights", "list", "--as", DPO, env=spoofed)
    assert_one_line_error(result, "error:", "belongs to another OS account")


def test_root_acts_for_another_os_account_only_with_a_recorded_override(
    env: dict[str, str],
) -> None:
    if running_os_account().uid != 0:
        missing_rig("running as root (the override is root's)")
    request = _file(env)
    _link(env, DPO, "ilse")
    approved = traq("rights", "approve", request, "--as", DPO, "--root-override", env=env)
    assert approved.returncode == 0, approved.stderr
    entry = _entries(env)[-1]
    assert entry.action == "request.approved"
    assert entry.details["via"]["root_override"] is True and entry.details["via"]["uid"] == 0


def _run_as(uid: int, argv: list[str]) -> tuple[int, str, str]:
    """The real `traq` entry point in a forked child whose real uid is ``uid``.

    A child process, not `subprocess` with ``user=``: the interpreter lives under /root here,
    which another uid cannot read, so the child keeps the already-loaded one (the parent ran
    the same command first, so every module it needs is imported).
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to uid, run, exit without returning into pytest
        code = 99
        try:
            os.setgid(uid)
            os.setuid(uid)
            sys.stdout = io.TextIOWrapper(os.fdopen(out_w, "wb"), write_through=True)
            sys.stderr = io.TextIOWrapper(os.fdopen(err_w, "wb"), write_through=True)
            code = traq_main.main(argv)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r, "rb") as out, os.fdopen(err_r, "rb") as err:
        stdout, stderr = out.read().decode(), err.read().decode()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout, stderr


# PostgreSQL only: another uid cannot open SQLite under root's temporary folder.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_another_os_user_cannot_act_as_the_dpo_even_with_the_override(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    if running_os_account().uid != 0:
        missing_rig("running as root (to become another OS user)")
    argv = ["rights", "list", "--as", DPO, "--json"]
    assert traq_main.main(argv) == 0  # as root (linked): loads every module the child needs
    capsys.readouterr()
    status, _, err = _run_as(NOBODY, argv)
    assert status == 1 and "belongs to another OS account" in err
    status, _, err = _run_as(NOBODY, [*argv, "--root-override"])
    assert status == 1 and "only for root" in err
    _link(env, DPO, "nobody")
    status, out, err = _run_as(NOBODY, argv)
    assert status == 0, err
    assert json.loads(out) == []
    entry = _entries(env)[-1]
    assert entry.action == "requests.listed"
    assert entry.details["via"] == {
        "os_user": "nobody",
        "uid": NOBODY,
        "program": "traq rights list",
    }


def test_a_linked_employee_account_acts_only_from_its_os_account(env: dict[str, str]) -> None:
    employee = _employee(env)
    _link(env, employee, "someone-else")
    result = traq("rights", "file", "access", "--as", employee, env=env)
    assert_one_line_error(result, "error:", "belongs to another OS account")
    assert [e for e in _entries(env) if e.action.startswith("request.")] == []
