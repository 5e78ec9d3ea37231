"""Shared fixtures: real PostgreSQL, a real S3 endpoint, and a clean environment."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

# The services' daily retention purge would delete fixed-date demo data under the tests
# (servers started as subprocesses inherit this); the scheduler's own tests switch it on.
os.environ.setdefault("TRAQ_RETENTION_SCHEDULE", "off")

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.s3",
    "tests.fixtures.scan",
    "tests.collector.x11",
]


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Never let a test touch the developer's real data folder, keys or AWS configuration."""
    for name in (
        "TRAQ_DATA_DIR", "TRAQ_DATABASE_URL", "TRAQ_OBJECT_STORE", "TRAQ_MASTER_KEY_FILE",
        "TRAQ_MASTER_KEY",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    # Master keys live in $XDG_CONFIG_HOME/traqnext by default: a folder of the test's own.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(autouse=True)
def _real_main_module() -> Iterator[None]:
    """Put back the real ``__main__`` after each test.

    Streamlit's script runner (AppTest) installs the page it ran as ``__main__`` and leaves it
    there; a later spawn-started process pool in the same worker (``traq demo``'s screenshot
    encoders) would then re-run that page in each child, and the pool breaks.
    """
    real = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = real
