"""Small hand-made organisations for analytics and rollup tests, written through storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select

from storage.db import schema
from storage.db.bulk import bulk_insert

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
MINUTE_COLUMNS = (
    "person_id",
    "minute",
    "device_id",
    "active_seconds",
    "key_presses",
    "mouse_clicks",
    "mouse_moves",
    "scrolls",
)
SPAN_COLUMNS = ("person_id", "device_id", "start_ts", "end_ts", "app", "site")


def utc(text: str) -> int:
    """Epoch seconds of an ISO time written in UTC ("2026-03-29T01:00")."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def add_team(connection: Connection, name: str, department: str = "R&D") -> int:
    """Insert a team; return its id."""
    result = connection.execute(insert(schema.teams).values(name=name, department=department))
    return int(result.inserted_primary_key[0])


def add_person(
    connection: Connection,
    team_id: int,
    tz: str = "Europe/Paris",
    *,
    restricted: bool = False,
    objected: bool = False,
    consent: str = "given",
) -> tuple[int, int]:
    """Insert a person with one device; return (person id, device id)."""
    # Counted, not selected: an upgrade test calls this on a schema older than ``people``'s.
    count = connection.execute(select(func.count()).select_from(schema.people)).scalar_one()
    pseudonym = f"s_{count:016x}"
    person = connection.execute(
        insert(schema.people).values(
            pseudonym=pseudonym,
            display_name=f"Person {count}",
            team_id=team_id,
            timezone=tz,
            consent=consent,
            objected=objected,
            restricted=restricted,
            created_at=NOW,
        )
    ).inserted_primary_key[0]
    return int(person), add_device(connection, int(person))


def add_device(connection: Connection, person_id: int) -> int:
    """Insert one more device of the person; return its id."""
    result = connection.execute(
        insert(schema.devices).values(
            person_id=person_id, name="laptop", platform="linux", created_at=NOW
        )
    )
    return int(result.inserted_primary_key[0])


def add_minutes(
    connection: Connection,
    person_id: int,
    device_id: int,
    minutes: Iterable[tuple[int, int, int, int]],
) -> None:
    """Insert minute rows given as (minute, active_seconds, key_presses, mouse_clicks)."""
    rows = [
        (person_id, minute, device_id, active, keys, clicks, 0, 0)
        for minute, active, keys, clicks in minutes
    ]
    bulk_insert(connection, schema.activity_minutes, MINUTE_COLUMNS, rows)


def add_spans(
    connection: Connection,
    person_id: int,
    device_id: int,
    spans: Sequence[tuple[int, int, str, str | None]],
) -> None:
    """Insert spans given as (start_ts, end_ts, app, site)."""
    rows = [(person_id, device_id, start, end, app, site) for start, end, app, site in spans]
    bulk_insert(connection, schema.app_spans, SPAN_COLUMNS, rows)


def run_of_minutes(start: int, count: int, active: int = 30) -> list[tuple[int, int, int, int]]:
    """``count`` consecutive minute rows from ``start``, each with ``active`` seconds."""
    return [(start + 60 * i, active, 10, 2) for i in range(count)]
