"""Shared fixtures: real PostgreSQL, a real S3 endpoint, and a clean environment."""

from __future__ import annotations

import os

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
