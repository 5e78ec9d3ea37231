"""Migrating a populated database to 0006 (monthly partitions on PostgreSQL) keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, select, text

from storage.db.engine import open_engine
from storage.db.migrate import SCHEMA_HEAD, _config, current_revision, upgrade_to_head
from storage.db.partitions import is_partitioned, month_partitions
from storage.db.schema import people
from tests.retention.plant import add_people

NOW = datetime(2026, 1, 1, tzinfo=UTC)
MONTHS = [(2025, 11, 3), (2025, 12, 24), (2026, 1, 2), (2026, 1, 31)]


def _migrate(engine: Engine, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _populate(engine: Engine) -> None:
    add_people(engine, {1: None})
    with engine.begin() as c:
        for y, m, d in MONTHS:
            t = int(datetime(y, m, d, 8, tzinfo=UTC).timestamp())
            c.execute(text(f"INSERT INTO activity_minutes VALUES (1, {t}, 1, 30, 5, 4, 3, 2)"))
            c.execute(
                text("INSERT INTO app_spans VALUES (1, 1, :t, :e, 'Editor', 'x.org', :ct)"),
                {"t": t, "e": t + 90, "ct": b"sealed"},
            )


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as c:
        return {
            table: sorted(tuple(r) for r in c.execute(text(f"SELECT * FROM {table}")))
            for table in ("activity_minutes", "app_spans")
        }


def test_upgrade_of_a_populated_database_keeps_every_row(database_url: str) -> None:
    engine = open_engine(database_url)
    _migrate(engine, "0005")
    _populate(engine)
    before = _snapshot(engine)
    upgrade_to_head(engine)
    assert current_revision(engine) == SCHEMA_HEAD
    assert _snapshot(engine) == before and len(before["activity_minutes"]) == len(MONTHS)
    with engine.connect() as c:
        partitioned = is_partitioned(c, "activity_minutes")
        months = [p.name[-6:] for p in month_partitions(c, "app_spans")]
        assert c.execute(select(people.c.id)).scalars().all() == [1]
    assert partitioned == (engine.dialect.name == "postgresql")
    if partitioned:
        assert {"202511", "202512", "202601"} <= set(months)
        with engine.begin() as c:  # the foreign key still cascades from people
            c.execute(people.delete())
        assert _snapshot(engine) == {"activity_minutes": [], "app_spans": []}
    engine.dispose()
