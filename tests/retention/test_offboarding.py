"""Offboarding end to end: an admin offboards a person on the People page, the clock moves
past the post-employment period, the purge erases them (nothing of them left anywhere) and
keeps the one under a legal hold; the retention audit fails while an erasure is overdue.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from services.accounts import Account
from services.offboarding import offboard
from services.retention.audit import run_audit
from services.rights import load_actor
from services.rights.holds import set_legal_hold
from storage.audit import TOMBSTONE_ACTION
from storage.config import load_settings
from storage.db import schema
from storage.facade import Storage, open_storage
from storage.policies import DEFAULT_POLICIES
from storage.writes import subject_state
from tests.app.conftest import page_as
from tests.fixtures.scan import encode, installation_hits
from traq.demo.accounts import ADMIN, DPO
from traq.main import main

DEMO = [
    "demo", "--employees", "12", "--days", "3", "--seed", "5", "--end", "2026-03-31",
    "--screenshot-days", "1",
]  # fmt: skip
PERIOD = DEFAULT_POLICIES["post_employment_days"]


def traq(*args: str) -> Any:
    """Run `traq ARGS` in this process; it must succeed; its parsed JSON or output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return json.loads(out.getvalue()) if "--json" in args else out.getvalue()


@pytest.fixture(params=["sqlite-folder", "postgresql-s3"])
def installation(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_RETENTION_SCHEDULE": "off"}
    if request.param == "postgresql-s3":
        env["TRAQ_DATABASE_URL"] = request.getfixturevalue("pg_database_dsn")
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    traq("init")
    traq(*DEMO)
    return env


def _employees(storage: Storage) -> list[Any]:
    """Employees with an account and screenshots: id, name, e-mail, pseudonym, username."""
    p, u = schema.people.c, schema.users.c
    with storage.engine.connect() as c:
        shot_takers = select(schema.screenshots.c.person_id).distinct()
        return list(
            c.execute(
                select(p.id, p.display_name, p.email, p.pseudonym, u.username)
                .join(schema.users, u.person_id == p.id)
                .where(u.role == "employee", p.id.in_(shot_takers))
                .order_by(p.id)
            )
        )


def _account(storage: Storage, username: str, role: str) -> Account:
    with storage.engine.connect() as c:
        user_id = c.scalar(select(schema.users.c.id).where(schema.users.c.username == username))
    return Account(int(user_id), username, role, None, frozenset())


def _offboard_on_the_people_page(storage: Storage, person_id: int) -> str:
    app = page_as("app/pages/people.py", _account(storage, ADMIN, "admin"))
    app.selectbox(key="offboard-who").set_value(person_id)
    app.checkbox(key="offboard-sure").check()
    app.run()
    app.button(key="offboard-go").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return str(app.success[0].value)


def _departures(storage: Storage, day: date) -> dict[str, Any]:
    days = DEFAULT_POLICIES["retention_days"]
    report = run_audit(storage.engine, storage.objects, days, day, [])
    (check,) = [c for c in report.checks if c.category == "post-employment"]
    return {"ok": check.ok, **check.evidence}


def test_a_person_who_left_is_erased_after_the_period_and_a_hold_still_wins(
    installation: dict[str, str],
) -> None:
    storage = open_storage(load_settings(installation))
    leaver, held = _employees(storage)[:2]
    needles = encode([leaver.display_name, leaver.email, leaver.pseudonym, leaver.username])
    assert installation_hits(installation, storage.objects, needles)  # the scanner sees them before

    flash = _offboard_on_the_people_page(storage, leaver.id)
    assert flash.startswith("Offboarded") and "account(s) disabled" in flash
    today = datetime.now(UTC).date()
    with storage.engine.connect() as c:
        revoked = c.execute(
            select(schema.devices.c.revoked_at).where(schema.devices.c.person_id == leaver.id)
        ).scalars()
        assert all(at is not None for at in revoked)
        accounts = select(schema.users.c.disabled_at).where(schema.users.c.person_id == leaver.id)
        assert all(at is not None for at in c.execute(accounts).scalars())
        assert subject_state(c, leaver.pseudonym).paused  # an embedded collector stops
    with storage.engine.begin() as c:
        set_legal_hold(c, load_actor(c, DPO), held.id, "case 2026-17", datetime.now(UTC))
        admin_id = c.scalar(select(schema.users.c.id).where(schema.users.c.username == ADMIN))
    offboard(storage.engine, int(admin_id), held.id, datetime.now(UTC))

    early = today + timedelta(days=PERIOD - 1)
    purged = traq("retention", "purge", "--json", "--as-of", early.isoformat())
    assert purged["counts"]["post-employment"] == {"people erased": 0, "kept by a legal hold": 0}
    late = today + timedelta(days=PERIOD + 1)
    assert _departures(storage, late) == {
        "ok": False, "post_employment_days": PERIOD, "overdue": 1, "held": 1,
    }  # fmt: skip

    purged = traq("retention", "purge", "--json", "--as-of", late.isoformat())
    assert purged["counts"]["post-employment"] == {"people erased": 1, "kept by a legal hold": 1}
    with storage.engine.connect() as c:
        remaining = set(c.execute(select(schema.people.c.id)).scalars())
        tombstones = c.execute(
            select(schema.audit_log.c.actor).where(schema.audit_log.c.action == TOMBSTONE_ACTION)
        ).scalars()
        assert "system:retention" in set(tombstones)
    assert leaver.id not in remaining and held.id in remaining
    assert installation_hits(installation, storage.objects, needles) == []
    assert _departures(storage, late)["ok"]
    storage.close()


def _purge_on_the_dpo_page(storage: Storage) -> AppTest:
    app = page_as("app/pages/dpo_purge.py", _account(storage, DPO, "dpo"))
    app.checkbox(key="purge-confirm").check()
    app.run()
    app.button(key="purge-run").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


# The page calls the same purge as the command line, proven on both backends above: one
# backend here keeps CI short.
@pytest.mark.parametrize("installation", ["sqlite-folder"], indirect=True)
def test_the_dpo_purge_page_erases_who_left_long_ago_as_the_scheduled_purge_does(
    installation: dict[str, str],
) -> None:
    """The page's "Run the purge" is the whole purge: a person gone past the period is
    erased there too, not only by the scheduled tick and the command line."""
    storage = open_storage(load_settings(installation))
    leaver = _employees(storage)[0]
    needles = encode([leaver.display_name, leaver.email, leaver.pseudonym, leaver.username])
    _offboard_on_the_people_page(storage, leaver.id)
    long_ago = datetime.now(UTC) - timedelta(days=PERIOD + 1)
    with storage.engine.begin() as c:  # they left before the period: as if months went by
        c.execute(
            schema.people.update().where(schema.people.c.id == leaver.id).values(left_at=long_ago)
        )
    app = _purge_on_the_dpo_page(storage)
    counts = [f.value for f in app.dataframe if "category" in f.value.columns]
    shown = counts[-1]  # after the preview: the report of the run just made
    erased = shown[(shown["category"] == "post-employment") & (shown["what"] == "people erased")]
    assert list(erased["count"]) == [1]
    with storage.engine.connect() as c:
        assert c.scalar(select(schema.people.c.id).where(schema.people.c.id == leaver.id)) is None
    assert installation_hits(installation, storage.objects, needles) == []
    storage.close()
