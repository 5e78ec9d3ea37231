"""An installation with people and a running ingestion service, over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.sinks.https import HttpsSink, enrol_device
from collector.sinks.transport import Transport
from ingest import enrolment
from ingest.app import IngestConfig
from storage.db import schema
from tests.collector.install import Install, installation
from tests.ingest.service import running


@dataclass
class Rig:
    """An installation, the base URL of its ingestion service, and enrolment helpers."""

    install: Install
    url: str

    def code(self, pseudonym: str) -> str:
        """A fresh one-time enrolment code for the person."""
        with self.install.engine.begin() as conn:
            person_id, _ = enrolment.find_person(conn, pseudonym)
            return enrolment.create_code(conn, person_id, datetime.now(UTC))

    def enrolled_sink(self, pseudonym: str | None = None) -> HttpsSink:
        """A new person (unless given) with one enrolled device; that device's sink."""
        pseudonym = pseudonym or self.install.add_person()
        return HttpsSink(enrol_device(self.url, self.code(pseudonym), Transport()))

    def count(self, table: schema.Table) -> int:
        """Rows in ``table``."""
        with self.install.engine.connect() as conn:
            return len(conn.execute(select(table)).all())


def _rig(
    tmp_path: Path,
    database_url: str,
    store_url: str | None,
    window: dict[str, int] | None = None,
    **limits: object,
) -> Iterator[Rig]:
    with installation(tmp_path, database_url, store_url) as install:
        config = IngestConfig(install.settings, **limits)  # type: ignore[arg-type]
        with running(config, window=window) as url:
            yield Rig(install, url)


@pytest.fixture
def rig(tmp_path: Path, database_url: str) -> Iterator[Rig]:
    """The service over each database backend and a folder object store."""
    yield from _rig(tmp_path, database_url, None)


@pytest.fixture
def s3_rig(tmp_path: Path, pg_schema_url: str, s3_store_url: str) -> Iterator[Rig]:
    """The service over PostgreSQL and an S3 bucket (moto server)."""
    yield from _rig(tmp_path, pg_schema_url, s3_store_url)


@pytest.fixture
def slow_rig(tmp_path: Path) -> Iterator[Rig]:
    """The service with a tight rate limit (1 request/s, bursts of 3), over SQLite."""
    yield from _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None, rate=1.0, burst=3)
