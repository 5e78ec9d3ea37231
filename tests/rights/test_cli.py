"""`traq rights` and `traq audit verify` on the demo organisation, as the DPO and employees."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from storage.db import schema
from storage.facade import Storage
from traq import main as traq_main

DPO = "ilse.marchetti"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    status = traq_main.main(list(args))
    out, err = capsys.readouterr()
    parsed = json.loads(out) if "--json" in args and status == 0 else out
    return status, parsed, err


def _employees(storage: Storage) -> list[tuple[str, int]]:
    with storage.engine.connect() as connection:
        rows = connection.execute(
            select(schema.users.c.username, schema.users.c.person_id)
            .where(schema.users.c.role == "employee")
            .order_by(schema.users.c.id)
        ).all()
    return [(r.username, r.person_id) for r in rows]


def test_erasure_request_from_filing_to_a_verified_tombstone(
    demo_storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    (alice, alice_id), (bob, _) = _employees(demo_storage)[:2]
    status, filed, _ = run(capsys, "rights", "file", "erasure", "--as", alice, "--json")
    assert status == 0 and filed["person_id"] == alice_id and filed["state"] == "received"
    request = str(filed["id"])

    status, _, err = run(capsys, "rights", "show", request, "--as", bob)
    assert status == 1 and "your own" in err and len(err.strip().splitlines()) == 1
    status, mine, _ = run(capsys, "rights", "list", "--as", bob, "--json")
    assert status == 0 and mine == []

    assert run(capsys, "rights", "approve", request, "--as", DPO)[0] == 0
    status, erased, _ = run(capsys, "rights", "erase", request, "--as", DPO, "--json")
    assert status == 0, erased
    assert erased["request"]["state"] == "completed" and erased["request"]["person_id"] is None
    assert erased["erasure"]["rows_deleted"]["people"] == 1

    status, verified, _ = run(capsys, "audit", "verify", "--json")
    assert status == 0 and verified["ok"] and verified["redacted"] >= 3

    with demo_storage.engine.begin() as connection:
        connection.execute(
            update(schema.audit_log)
            .where(schema.audit_log.c.seq == 2)
            .values(action="request.rejected")
        )
    status, out, _ = run(capsys, "audit", "verify")
    assert status == 1 and "TAMPERED" in out and "entry 2" in out


def test_legal_hold_is_one_line_with_the_reason(
    demo_storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, alice_id = _employees(demo_storage)[0]
    with demo_storage.engine.begin() as connection:
        connection.execute(
            update(schema.people)
            .where(schema.people.c.id == alice_id)
            .values(legal_hold_reason="tax audit until 2027")
        )
    request = str(run(capsys, "rights", "file", "erasure", "--as", alice, "--json")[1]["id"])
    run(capsys, "rights", "approve", request, "--as", DPO)
    status, _, err = run(capsys, "rights", "erase", request, "--as", DPO)
    assert status == 1 and "tax audit until 2027" in err and len(err.strip().splitlines()) == 1
    status, shown, _ = run(capsys, "rights", "show", request, "--as", DPO, "--json")
    assert shown["state"] == "approved"


def test_export_and_rectification_through_the_command_line(
    demo_storage: Storage, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (alice, alice_id), (bob, _) = _employees(demo_storage)[:2]
    request = str(run(capsys, "rights", "file", "access", "--as", alice, "--json")[1]["id"])
    assert run(capsys, "rights", "approve", request, "--as", DPO)[0] == 0
    status, _, err = run(
        capsys, "rights", "export", request, "--as", bob, "--out", str(tmp_path / "x.zip")
    )
    assert status == 1 and "your own" in err
    out = tmp_path / "export.zip"
    status, done, _ = run(
        capsys, "rights", "export", request, "--as", DPO, "--out", str(out), "--json"
    )
    assert status == 0 and done["bytes"] == out.stat().st_size
    assert "manifest.json" in zipfile.ZipFile(out).namelist()
    status, shown, _ = run(capsys, "rights", "show", request, "--as", alice, "--json")
    assert shown["state"] == "completed"

    status, filed, _ = run(
        capsys, "rights", "file", "rectification", "--as", alice, "--json",
        "--set", "display_name=Right Name", "--untracked", "2026-03-30T00:00/2026-03-31T00:00",
    )  # fmt: skip
    assert status == 0, filed
    request = str(filed["id"])
    run(capsys, "rights", "approve", request, "--as", DPO)
    status, fixed, _ = run(capsys, "rights", "rectify", request, "--as", DPO, "--json")
    assert status == 0 and fixed["state"] == "completed"
    with demo_storage.engine.connect() as connection:
        name = connection.execute(
            select(schema.people.c.display_name).where(schema.people.c.id == alice_id)
        ).scalar_one()
    assert name == "Right Name"
    status, _, err = run(capsys, "rights", "file", "rectification", "--as", alice, "--set", "x")
    assert status == 1 and "FIELD=VALUE" in err
    status, verified, _ = run(capsys, "audit", "verify", "--json")
    assert verified["ok"]


def test_a_restriction_request_is_carried_out_and_lifted(
    demo_storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, alice_id = _employees(demo_storage)[0]
    request = str(run(capsys, "rights", "file", "restriction", "--as", alice, "--json")[1]["id"])
    status, _, err = run(capsys, "rights", "restrict", "--request", request, "--as", DPO)
    assert status == 1 and "approved" in err and len(err.strip().splitlines()) == 1
    run(capsys, "rights", "approve", request, "--as", DPO)
    status, done, _ = run(capsys, "rights", "restrict", "--request", request, "--as", DPO, "--json")
    assert status == 0 and done["request"]["state"] == "completed" and done["restricted"]

    def restricted() -> bool:
        with demo_storage.engine.connect() as connection:
            return bool(
                connection.execute(
                    select(schema.people.c.restricted).where(schema.people.c.id == alice_id)
                ).scalar_one()
            )

    assert restricted()
    status, lifted, _ = run(
        capsys, "rights", "lift", "--person", str(alice_id), "--as", DPO, "--json"
    )
    assert status == 0 and lifted["restricted"] is False and not restricted()
    with pytest.raises(SystemExit) as usage:
        run(capsys, "rights", "restrict", "--as", DPO)
    assert usage.value.code == 2 and "--person" in capsys.readouterr().err


def test_a_legal_hold_blocks_erasure_until_released(
    demo_storage: Storage, capsys: pytest.CaptureFixture[str]
) -> None:
    (alice, alice_id), (bob, _) = _employees(demo_storage)[:2]
    person = str(alice_id)
    status, _, err = run(capsys, "rights", "hold", "--person", person, "--reason", "x", "--as", bob)
    assert status == 1 and len(err.strip().splitlines()) == 1
    status, held, _ = run(
        capsys, "rights", "hold", "--person", person, "--reason", "Case 2026-17", "--as", DPO,
        "--json",
    )  # fmt: skip
    assert status == 0 and held == {"person_id": alice_id, "legal_hold": True}

    request = str(run(capsys, "rights", "file", "erasure", "--as", alice, "--json")[1]["id"])
    run(capsys, "rights", "approve", request, "--as", DPO)
    status, _, err = run(capsys, "rights", "erase", request, "--as", DPO)
    assert status == 1 and "Case 2026-17" in err
    with demo_storage.engine.connect() as connection:
        still = connection.execute(
            select(schema.people.c.id).where(schema.people.c.id == alice_id)
        ).scalar_one_or_none()
    assert still == alice_id  # nothing erased while the hold stands

    assert run(capsys, "rights", "release", "--person", person, "--as", DPO)[0] == 0
    status, _, err = run(capsys, "rights", "release", "--person", person, "--as", DPO)
    assert status == 1 and "not under a legal hold" in err
    status, erased, _ = run(capsys, "rights", "erase", request, "--as", DPO, "--json")
    assert status == 0 and erased["erasure"]["rows_deleted"]["people"] == 1
    status, verified, _ = run(capsys, "audit", "verify", "--json")
    assert status == 0 and verified["ok"]
