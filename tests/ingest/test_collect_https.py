"""`traq collect` end to end through the HTTPS sink: TLS, PostgreSQL and S3 behind it.

The collector process gets no database URL and no AWS credential: only the service URL, the
CA that signed the service's certificate, and (after ``--enrol``) its device token.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest import enrolment
from ingest.app import IngestConfig
from storage.db import schema
from tests.collector import cli
from tests.collector.helpers import capturing, wait_until
from tests.collector.install import installation
from tests.collector.x11 import OpenWindow, xdotool
from tests.ingest.service import running, self_signed
from tests.traq.cli import ROOT

pytestmark = pytest.mark.usefixtures("window_manager")


def collect(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "traq.main", "collect", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def device_env(tmp_path: Path, url: str, ca_file: Path) -> dict[str, str]:
    """A laptop's environment: no TRAQ_DATABASE_URL, TRAQ_OBJECT_STORE or AWS_* at all."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRAQ_", "AWS_", "PG"))}
    return {
        **clean,
        "TRAQ_DATA_DIR": str(tmp_path / "laptop"),
        "TRAQ_SPOOL_DIR": str(tmp_path / "laptop" / "spool"),
        "TRAQ_INGEST_URL": url,
        "TRAQ_INGEST_CA_FILE": str(ca_file),
    }


def test_collect_enrols_and_delivers_through_https(
    tmp_path: Path, pg_schema_url: str, s3_store_url: str, open_window: OpenWindow
) -> None:
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        pseudonym = install.add_person()
        with install.engine.begin() as conn:
            person_id, _ = enrolment.find_person(conn, pseudonym)
            code = enrolment.create_code(conn, person_id, datetime.now(UTC))
        tls = self_signed(tmp_path)
        with running(IngestConfig(install.settings), tls) as url:
            assert url.startswith("https://")
            env = device_env(tmp_path, url, tls.cert)
            xdotool("windowactivate", "--sync", str(open_window("Notes", "NotesApp")))
            options = ("--json", "--duration", "10", "--screenshot-interval", "2")
            fast = ("--flush-interval", "1", "--upload-interval", "1")
            child = collect("--enrol", code, *options, *fast, env=env)
            spool = Path(env["TRAQ_SPOOL_DIR"])
            wait_until(lambda: capturing(spool) or child.poll() is not None, 90, "capture to start")
            assert child.poll() is None, child.communicate()
            xdotool("type", "--delay", "50", "hello there")
            out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
            summary = cli.summary(out)
            assert summary["pending"] == 0 and summary["screenshots"] >= 2
            assert summary["key_presses"] == len("hello there")
            token_file = spool / "device-token.json"
            assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
            # A second run needs no code: the token file is enough.
            again = collect("--json", "--duration", "4", *fast, env=env)
            out, err = again.communicate(timeout=120)
            assert again.returncode == 0, err
            assert cli.summary(out)["pending"] == 0
        with install.engine.connect() as conn:
            device = conn.execute(select(schema.devices)).one()
            minutes = conn.execute(select(schema.activity_minutes)).all()
            keys = conn.execute(select(schema.screenshots.c.object_key)).scalars().all()
            slots = conn.execute(select(schema.activity_10min)).all()
        assert device.person_id == person_id and device.token_hash is not None
        assert {(m.person_id, m.device_id) for m in minutes} == {(person_id, device.id)}
        assert sum(m.key_presses for m in minutes) == len("hello there")
        assert sum(s.key_presses for s in slots) == len("hello there")
        vault = install.vault()
        assert len(keys) >= 2
        for key in keys:
            assert vault.open(install.objects.get(key), object_id=key)[:4]


def test_collect_without_a_token_says_to_enrol(tmp_path: Path) -> None:
    env = device_env(tmp_path, "https://127.0.0.1:9", tmp_path / "none.pem")
    env.pop("TRAQ_INGEST_CA_FILE")
    child = collect("--duration", "1", env=env)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--enrol CODE" in lines[0], err
