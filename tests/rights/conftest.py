"""The demo organisation in a fresh installation, over every database and object backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.config import load_settings
from storage.facade import Storage, open_storage
from tests.fixtures.s3 import OBJECT_BACKENDS
from traq.main import main

DEMO = [
    "demo", "--employees", "12", "--days", "3", "--seed", "5", "--end", "2026-03-31",
    "--screenshot-days", "1",
]  # fmt: skip


@pytest.fixture(params=OBJECT_BACKENDS, ids=OBJECT_BACKENDS)
def demo_env(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """`traq init` and the 12-person demo; the environment pointing at them."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    if request.param == "s3":
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["init"]) == 0
    status = main(DEMO)
    assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    return env


@pytest.fixture
def demo_storage(demo_env: dict[str, str]) -> Iterator[Storage]:
    """The opened storage of the demo installation."""
    storage = open_storage(load_settings(demo_env))
    yield storage
    storage.close()
