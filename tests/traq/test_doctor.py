"""`traq doctor`: one line per check, exit 0 only when every check passes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fixtures.s3 import free_port
from tests.traq.cli import installed_key_file, traq

CHECKS = [
    "database", "object store", "master key", "policies", "ingestion", "clock skew", "file modes",
]  # fmt: skip


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ingest_url() -> Iterator[str]:
    """A real HTTP server on loopback standing in for the ingestion service."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def installed(database_url: str, tmp_path: Path) -> dict[str, str]:
    """An initialised installation's environment."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    result = traq("init", env=env)
    assert result.returncode == 0, result.stderr
    return env


def _lines(stdout: str) -> dict[str, str]:
    lines = stdout.strip().splitlines()
    assert len(lines) == len(CHECKS), stdout
    found = {}
    for line in lines:
        status, _, rest = line.partition(" ")
        name = rest.strip().split(":")[0]
        found[name] = status
    assert list(found) == CHECKS
    return found


def test_healthy_installation_passes_every_check(installed: dict[str, str], tmp_path: Path) -> None:
    from ingest.app import IngestConfig
    from storage.config import load_settings
    from tests.ingest.service import running, self_signed

    tls = self_signed(tmp_path)
    with running(IngestConfig(load_settings(installed)), tls) as url:
        env = {**installed, "TRAQ_INGEST_URL": url, "TRAQ_INGEST_CA_FILE": str(tls.cert)}
        result = traq("doctor", env=env)
        untrusted = traq("doctor", env={**installed, "TRAQ_INGEST_URL": url})
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(_lines(result.stdout).values()) == {"ok"}
    assert f"{url} is healthy" in result.stdout
    # Without the private CA the collector could not connect either: the check says so.
    assert untrusted.returncode == 1 and _lines(untrusted.stdout)["ingestion"] == "FAIL"
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stdout
    as_json = json.loads(traq("doctor", "--json", env=installed).stdout)
    assert as_json["ok"] is True
    assert [c["name"] for c in as_json["checks"]] == CHECKS
    assert "not configured" in as_json["checks"][4]["detail"]


def test_wrong_database_url_fails_the_database_checks(tmp_path: Path) -> None:
    env = {
        "TRAQ_DATA_DIR": str(tmp_path),
        "TRAQ_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere",
    }
    result = traq("doctor", env=env)
    assert result.returncode == 1
    status = _lines(result.stdout)
    assert status["database"] == "FAIL"
    assert status["master key"] == status["policies"] == status["clock skew"] == "FAIL"
    assert "Traceback" not in result.stdout + result.stderr


def test_unwritable_object_store_fails(installed: dict[str, str], tmp_path: Path) -> None:
    # Tests run as root, where chmod cannot make a folder read-only: put a file in the way.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    env = {**installed, "TRAQ_OBJECT_STORE": (blocker / "objects").as_uri()}
    result = traq("doctor", env=env)
    assert result.returncode == 1
    status = _lines(result.stdout)
    assert status["object store"] == "FAIL"
    assert [name for name, s in status.items() if s == "FAIL"] == ["object store"]


def test_missing_master_key_fails(installed: dict[str, str]) -> None:
    installed_key_file(installed).unlink()
    result = traq("doctor", env=installed)
    assert result.returncode == 1
    assert _lines(result.stdout)["master key"] == "FAIL"
    assert "master.key" in result.stdout


def test_a_key_inside_the_data_folder_is_a_warning(installed: dict[str, str]) -> None:
    key = installed_key_file(installed)
    legacy = Path(installed["TRAQ_DATA_DIR"]) / "master.key"
    key.rename(legacy)  # where installations made before keys moved out keep it
    result = traq("doctor", env=installed)
    assert result.returncode == 0, result.stdout
    assert _lines(result.stdout)["master key"] == "WARN"
    (line,) = [line for line in result.stdout.splitlines() if "master key:" in line]
    assert "inside the data folder" in line and f"mv {legacy} {key}" in line
    named = traq("doctor", env={**installed, "TRAQ_MASTER_KEY_FILE": str(legacy)})
    assert (
        _lines(named.stdout)["master key"] == "WARN"
        and "unset TRAQ_MASTER_KEY_FILE" in named.stdout
    )
    legacy.rename(key)  # moved as the warning says: no warning
    assert _lines(traq("doctor", env=installed).stdout)["master key"] == "ok"


def test_a_server_that_is_not_the_ingestion_service_fails(
    installed: dict[str, str], ingest_url: str
) -> None:
    result = traq("doctor", env={**installed, "TRAQ_INGEST_URL": ingest_url})
    assert result.returncode == 1
    assert _lines(result.stdout)["ingestion"] == "FAIL"
    assert "not a TraqNext ingestion service" in result.stdout


def test_unreachable_ingestion_fails(installed: dict[str, str]) -> None:
    env = {**installed, "TRAQ_INGEST_URL": f"http://127.0.0.1:{free_port()}/"}
    result = traq("doctor", env=env)
    assert result.returncode == 1
    assert _lines(result.stdout)["ingestion"] == "FAIL"
    assert "unreachable" in result.stdout


def test_master_key_must_open_a_subject_key(tmp_path: Path, database_url: str) -> None:
    from storage.crypto.keys import create_master_key_file
    from tests.collector.install import installation

    with installation(tmp_path, database_url) as install:
        install.add_person()
        result = traq("doctor", env=install.env)
        assert result.returncode == 0, result.stdout
        assert "opens the vault" in result.stdout
        create_master_key_file(tmp_path / "other.key")
        other = traq(
            "doctor", env={**install.env, "TRAQ_MASTER_KEY_FILE": str(tmp_path / "other.key")}
        )
    assert other.returncode == 1
    assert _lines(other.stdout)["master key"] == "FAIL"
    assert "not the one this database uses" in other.stdout
