"""Erasure against every copy, end to end through `traq`, as an auditor with a byte scanner.

On SQLite + a folder and on PostgreSQL + a versioned S3 bucket: a demo organisation whose
lake was exported (twice, so the bucket holds older versions of its parts), one person
erased through `traq rights erase`, then every byte of the live data is scanned for the
person's name, e-mail, username and pseudonym: the data folder (database, WAL and shared
memory files, objects, lake, reports), every PostgreSQL page (dead tuples, free space,
indexes, TOAST) and every object version and delete marker in the bucket. Zero hits, and
the retention audit (which checks the lake and object versions too) passes.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storage.config import load_settings
from storage.db import schema
from storage.facade import Storage, open_storage
from tests.fixtures.scan import encode, installation_hits
from tests.lake.grants import employee_accounts, until
from traq.demo.accounts import DPO
from traq.main import main

DEMO = [
    "demo", "--employees", "12", "--days", "3", "--seed", "5", "--end", "2026-03-31",
    "--screenshot-days", "1",
]  # fmt: skip


def run(*args: str) -> tuple[int, Any]:
    """Run `traq ARGS` in this process; (status, parsed JSON or the output)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args))
    text = out.getvalue()
    return status, json.loads(text) if "--json" in args and text else err.getvalue()


def traq(*args: str) -> Any:
    """Run `traq ARGS`, which must succeed; its parsed JSON or output."""
    status, result = run(*args)
    assert status == 0, result
    return result


@pytest.fixture(params=["sqlite-folder", "postgresql-s3"])
def installation(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The environment of a demo installation with its lake exported."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql-s3":
        env["TRAQ_DATABASE_URL"] = request.getfixturevalue("pg_database_dsn")
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    traq("init")
    traq(*DEMO)
    # The lake holds person rows only under a DPO's grant: an analyst exports under one.
    analyst = employee_accounts(load_settings(env).database_url, 12)[-1]
    traq(
        "grants", "give", "--as", DPO, "--account", analyst, "--purpose", "erasure audit",
        "--from", "2026-03-01", "--to", "2026-03-31", "--until", until(), "--json",
    )  # fmt: skip
    traq("export", "parquet", "--json", "--as", analyst)
    traq("export", "parquet", "--json", "--full", "--as", analyst)
    return env


def _victim(storage: Storage) -> dict[str, str]:
    """An employee with an account: their identifiers."""
    with storage.engine.connect() as c:
        row = c.execute(
            select(
                schema.people.c.display_name, schema.people.c.email, schema.people.c.pseudonym,
                schema.users.c.username,
            )
            .join(schema.users, schema.users.c.person_id == schema.people.c.id)
            .where(schema.users.c.role == "employee")
            .order_by(schema.people.c.id)
        ).first()  # fmt: skip
    assert row is not None
    return {"name": row.display_name, "email": row.email, "pseudonym": row.pseudonym,
            "username": row.username}  # fmt: skip


def test_erased_person_leaves_no_byte_anywhere(installation: dict[str, str]) -> None:
    storage = open_storage(load_settings(installation))
    victim = _victim(storage)
    needles = encode(victim.values())
    before = installation_hits(installation, storage.objects, needles)
    for needle in needles:  # the scanner sees every identifier before the erasure
        assert any(hit.endswith(repr(needle)) for hit in before), needle

    # The person's answered access request: its export is kept, sealed, in the object store.
    access = str(traq("rights", "file", "access", "--as", victim["username"], "--json")["id"])
    traq("rights", "approve", access, "--as", DPO)
    out = Path(installation["TRAQ_DATA_DIR"]).parent / "answer.zip"  # handed over, not kept
    traq("rights", "export", access, "--out", str(out), "--as", DPO)
    prefix = f"subjects/{victim['pseudonym']}/exports/request-{access}/"
    assert len(list(storage.objects.list_versions(prefix))) == 1

    filed = traq("rights", "file", "erasure", "--as", victim["username"], "--json")
    request = str(filed["id"])
    traq("rights", "approve", request, "--as", DPO)
    erased = traq("rights", "erase", request, "--as", DPO, "--json")
    report_file = Path(installation["TRAQ_DATA_DIR"]) / "retention-audit.html"
    _, audit = run("retention", "audit", "--json", "--html", str(report_file))

    assert installation_hits(installation, storage.objects, needles) == []
    assert list(storage.objects.list_versions(prefix)) == []
    evidence = erased["erasure"]
    assert evidence["rows_deleted"]["people"] == 1
    # The lake's partitions were rewritten (or, without a live grant, its person rows deleted).
    assert evidence["lake"]["written"] or evidence["lake"]["deleted"]
    assert evidence["database"]["backend"] in ("sqlite", "postgresql")
    (erased_check,) = [c for c in audit["checks"] if c["category"] == "erased_people"]
    assert erased_check["ok"], erased_check
    assert "lake_old_versions" in erased_check["evidence"]
    storage.close()
