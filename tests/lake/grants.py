"""Grants for the lake tests: an analyst account owned by this OS user, a grant by the DPO."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from storage.db.engine import open_engine
from storage.db.schema import users
from storage.os_accounts import link_os_user, running_os_account
from tests.traq.cli import traq
from traq.demo.accounts import DPO


def employee_accounts(database_url: str, count: int) -> list[str]:
    """The first ``count`` demo employee accounts, each linked to the OS user running the tests
    (what an admin does on the Accounts page for the analysts who run `traq` or notebooks)."""
    engine = open_engine(database_url)
    with engine.begin() as c:
        rows = c.execute(
            select(users.c.id, users.c.username)
            .where(users.c.role == "employee")
            .order_by(users.c.id)
            .limit(count)
        ).all()
        for row in rows:
            link_os_user(c, int(row.id), running_os_account().name)
    engine.dispose()
    return [str(row.username) for row in rows]


def until() -> str:
    """A usable-until day a month from today (the demo's days lie in the past)."""
    return (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


def give(env: dict[str, str], account: str, first: date, last: date) -> int:
    """`traq grants give` as the demo's DPO; the new grant's id."""
    result = traq(
        "grants", "give", "--as", DPO, "--account", account, "--purpose", "capacity study",
        "--from", first.isoformat(), "--to", last.isoformat(), "--until", until(), "--json",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    grant: dict[str, object] = json.loads(result.stdout)
    assert grant["state"] == "live" and grant["account"] == account
    return int(str(grant["id"]))


ANALYST = "analyst"  # the key under which ``granted_env`` names the analyst (not a variable)


def analyst_of(env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The analyst named in ``env``, and the environment for `traq` without that entry."""
    return env[ANALYST], {k: v for k, v in env.items() if k != ANALYST}
