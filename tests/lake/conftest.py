"""A demo installation over every database, and a lake target over every object backend."""

from __future__ import annotations

import contextlib
import io
import os
from datetime import date
from pathlib import Path

import pytest

from tests.fixtures.s3 import OBJECT_BACKENDS
from tests.lake.grants import ANALYST, employee_accounts, give
from traq.main import main

# 35 days ending early March: three months, one of them partial at each end.
DEMO = [
    "demo", "--employees", "6", "--days", "35", "--seed", "3", "--end", "2026-03-04",
    "--screenshot-days", "0",
]  # fmt: skip


@pytest.fixture
def demo_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """`traq init` and a small demo; the environment naming the installation."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["init"]) == 0
        assert main(DEMO) == 0
    return env


@pytest.fixture
def granted_env(demo_env: dict[str, str]) -> dict[str, str]:
    """The demo with a live grant over all its days to an analyst (named under ``ANALYST``)."""
    (analyst,) = employee_accounts(demo_env["TRAQ_DATABASE_URL"], 1)
    give(demo_env, analyst, date(2026, 1, 1), date(2026, 3, 31))
    return {**demo_env, ANALYST: analyst}


@pytest.fixture(params=OBJECT_BACKENDS, ids=OBJECT_BACKENDS)
def lake_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the lake goes: a folder, or a fresh bucket on the moto S3 server."""
    if request.param == "file":
        return (tmp_path / "lake").as_uri()
    url: str = request.getfixturevalue("s3_store_url")
    assert os.environ["AWS_ENDPOINT_URL"]
    return url
