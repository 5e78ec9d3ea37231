"""The schema, migrations and bulk writes, over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, insert, inspect, select

from storage.db import schema
from storage.db.bulk import bulk_insert
from storage.db.engine import check_connection, open_engine
from storage.db.erase import delete_person_rows
from storage.db.migrate import (
    SCHEMA_HEAD,
    current_revision,
    ensure_current,
    head_revision,
    upgrade_to_head,
)
from storage.db.schema import MINUTE_COLUMNS
from storage.errors import ConfigError, DatabaseError, SchemaOutdated

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _person(engine: Engine, pseudonym: str = "s_0123456789abcdef") -> tuple[int, int]:
    with engine.begin() as connection:
        team = connection.execute(
            insert(schema.teams).values(name=f"Team {pseudonym}", department="R&D")
        ).inserted_primary_key[0]
        person = connection.execute(
            insert(schema.people).values(
                pseudonym=pseudonym,
                display_name="Ada",
                team_id=team,
                timezone="Europe/Paris",
                created_at=NOW,
            )
        ).inserted_primary_key[0]
        device = connection.execute(
            insert(schema.devices).values(
                person_id=person, name="laptop", platform="linux", created_at=NOW
            )
        ).inserted_primary_key[0]
    return int(person), int(device)


def _minutes(person: int, device: int, n: int, start: int = 1_772_000_040) -> list[tuple[int, ...]]:
    return [(person, device, start + 60 * i, i % 61, i, i // 2, i * 3, i % 5) for i in range(n)]


def _count(engine: Engine, table: schema.Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_upgrade_creates_every_table_and_is_idempotent(engine: Engine) -> None:
    assert set(schema.metadata.tables) <= set(inspect(engine).get_table_names())
    assert current_revision(engine) == head_revision()
    upgrade_to_head(engine)  # a second run changes nothing and does not fail
    ensure_current(engine)


def test_empty_database_is_reported_as_not_initialised(database_url: str) -> None:
    engine = open_engine(database_url)
    with pytest.raises(SchemaOutdated, match="run `traq init`"):
        ensure_current(engine)


def test_bulk_insert_round_trips_rows(engine: Engine) -> None:
    person, device = _person(engine)
    rows = _minutes(person, device, 5000)
    with engine.begin() as connection:
        assert bulk_insert(connection, schema.activity_minutes, MINUTE_COLUMNS, rows) == 5000
    with engine.connect() as connection:
        stored = connection.execute(
            select(*[schema.activity_minutes.c[name] for name in MINUTE_COLUMNS]).order_by(
                schema.activity_minutes.c.minute
            )
        ).all()
    assert [tuple(row) for row in stored] == rows


def test_replayed_batch_with_ignore_writes_nothing_twice(engine: Engine) -> None:
    person, device = _person(engine)
    rows = _minutes(person, device, 300)
    with engine.begin() as connection:
        bulk_insert(connection, schema.activity_minutes, MINUTE_COLUMNS, rows[:200])
    with engine.begin() as connection:
        written = bulk_insert(
            connection, schema.activity_minutes, MINUTE_COLUMNS, rows, on_conflict="ignore"
        )
    assert written == 100
    assert _count(engine, schema.activity_minutes) == 300


def test_failing_batch_writes_nothing(engine: Engine) -> None:
    person, device = _person(engine)
    rows = _minutes(person, device, 100)
    bad = [*rows, rows[0]]  # the duplicate key comes last: everything before must roll back
    with pytest.raises(DatabaseError, match="bulk insert into activity_minutes failed"):
        with engine.begin() as connection:
            bulk_insert(connection, schema.activity_minutes, MINUTE_COLUMNS, bad)
    assert _count(engine, schema.activity_minutes) == 0


def test_out_of_range_minute_row_is_refused(engine: Engine) -> None:
    person, device = _person(engine)
    with pytest.raises(DatabaseError):
        with engine.begin() as connection:
            bulk_insert(
                connection,
                schema.activity_minutes,
                MINUTE_COLUMNS,
                [(person, device, 1_772_000_040, 61, 0, 0, 0, 0)],
            )


def test_bulk_insert_handles_dates_and_timestamps(engine: Engine) -> None:
    person, _ = _person(engine)
    columns = (
        "person_id",
        "day",
        "tracked_seconds",
        "active_seconds",
        "key_presses",
        "mouse_clicks",
        "first_ts",
        "last_ts",
    )
    with engine.begin() as connection:
        bulk_insert(
            connection,
            schema.activity_daily,
            columns,
            [(person, date(2026, 3, 1), 3600, 1800, 10, 5, 1, 2)],
        )
        bulk_insert(
            connection,
            schema.policies,
            ("name", "value", "updated_at", "updated_by"),
            [("k", {"value": 5}, NOW, "test")],
            on_conflict="ignore",
        )
    with engine.connect() as connection:
        day = connection.execute(select(schema.activity_daily.c.day)).scalar_one()
        policy = connection.execute(select(schema.policies)).one()
    assert day == date(2026, 3, 1)
    assert policy.value == {"value": 5}
    assert policy.updated_at == NOW and policy.updated_at.tzinfo is not None


def test_unknown_column_is_a_clear_error(engine: Engine) -> None:
    with pytest.raises(ValueError, match="no column"):
        with engine.begin() as connection:
            bulk_insert(connection, schema.activity_minutes, ("person_id", "keys"), [])


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="timezone-aware"):
        with engine.begin() as connection:
            connection.execute(insert(schema.teams).values(name="T", department="D"))
            connection.execute(
                insert(schema.policies).values(
                    name="x", value={}, updated_at=datetime(2026, 1, 1), updated_by="t"
                )
            )


def test_deleting_a_person_removes_every_row_about_them_only(engine: Engine) -> None:
    person, device = _person(engine)
    other, other_device = _person(engine, "s_fedcba9876543210")
    with engine.begin() as connection:
        bulk_insert(
            connection,
            schema.activity_minutes,
            MINUTE_COLUMNS,
            _minutes(person, device, 50) + _minutes(other, other_device, 30),
        )
    with engine.begin() as connection:
        counts = delete_person_rows(connection, person)
    assert counts["activity_minutes"] == 50 and counts["people"] == 1
    assert _count(engine, schema.activity_minutes) == 30
    assert _count(engine, schema.devices) == 1


def test_every_table_about_people_is_reached_by_erasure() -> None:
    """A new table with a person_id must cascade from people or be listed in PERSON_SERIES."""
    for table in schema.metadata.tables.values():
        if "person_id" not in table.c or table in schema.PERSON_SERIES:
            continue
        keys = [fk for fk in table.c.person_id.foreign_keys if fk.column.table is schema.people]
        assert keys, f"{table.name}.person_id is neither cascaded nor in PERSON_SERIES"
        assert keys[0].ondelete in ("CASCADE", "SET NULL"), table.name


def test_unreachable_postgres_is_one_clear_line() -> None:
    engine = open_engine("postgresql://postgres@127.0.0.1:9/none")
    with pytest.raises(DatabaseError) as caught:
        check_connection(engine)
    assert "cannot reach database" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("url", ["not a url", "mysql://x@y/z", "oracle://a"])
def test_unsupported_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        open_engine(url)


def test_schema_head_constant_matches_the_newest_migration() -> None:
    """`ensure_current` compares with SCHEMA_HEAD so that checking needs no alembic import."""
    assert head_revision() == SCHEMA_HEAD
