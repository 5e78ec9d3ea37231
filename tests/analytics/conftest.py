"""Analytics fixtures: the small organisation on each backend, and once on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db.engine import open_engine
from storage.db.migrate import upgrade_to_head
from tests.analytics.org import Org, build_org


@pytest.fixture
def org(engine: Engine) -> Org:
    """The organisation on SQLite and on PostgreSQL."""
    return build_org(engine)


@pytest.fixture(scope="module")
def sqlite_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    """The organisation on SQLite, built once per module (for property tests)."""
    path: Path = tmp_path_factory.mktemp("org") / "traq.db"
    engine = open_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    yield build_org(engine)
    engine.dispose()
