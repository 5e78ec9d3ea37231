"""Writing one simulated person through storage: rows in bulk, within the caller's transaction.

Rows are streamed from numpy columns (``tolist`` then ``zip``), one person at a time, so the
largest demo never holds more than one person's rows as Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, insert

from storage.db.bulk import bulk_insert
from storage.db.schema import (
    MINUTE_COLUMNS,
    activity_10min,
    activity_daily,
    app_daily,
    people,
)
from storage.rollups import IDLE_APP
from storage.writes import OnConflict, add_device, write_minutes, write_spans
from traq.demo.apps import CATALOGUE
from traq.demo.org import DEVICE_NAMES, Person
from traq.demo.rollups import Totals, app_days, daily_totals, ten_minute_totals
from traq.demo.schedule import Period
from traq.demo.simulate import Simulation

SLOT_COLUMNS = (
    "person_id",
    "slot_start",
    "tracked_seconds",
    "active_seconds",
    "key_presses",
    "mouse_clicks",
)
DAILY_COLUMNS = (
    "person_id",
    "day",
    "tracked_seconds",
    "active_seconds",
    "key_presses",
    "mouse_clicks",
    "first_ts",
    "last_ts",
)
APP_DAILY_COLUMNS = ("person_id", "day", "app", "seconds")
_SITES = np.array([entry.site for entry in CATALOGUE], dtype=object)


def insert_person(connection: Connection, person: Person, team_id: int, now: datetime) -> int:
    """Insert the ``people`` row of ``person``; return its id."""
    statement = insert(people).values(
        pseudonym=person.pseudonym,
        display_name=person.display_name,
        email=person.email,
        team_id=team_id,
        timezone=person.timezone,
        created_at=now,
    )
    return int(connection.execute(statement.returning(people.c.id)).scalar_one())


def insert_devices(
    connection: Connection, person_id: int, person: Person, sim: Simulation, now: datetime
) -> list[int]:
    """Insert the person's devices (last seen at their last minute row); return their ids."""
    ids = []
    for index, platform in enumerate(person.platforms):
        used = sim.minutes.minute[sim.minutes.device == index]
        seen = datetime.fromtimestamp(int(used[-1]) + 60, UTC) if len(used) else None
        name = DEVICE_NAMES[platform] if index == 0 else "Office desktop"
        ids.append(add_device(connection, person_id, name, platform, now, last_seen_at=seen))
    return ids


def write_series(
    connection: Connection,
    person_id: int,
    device_ids: Sequence[int],
    sim: Simulation,
    period: Period,
    titles: Sequence[bytes | None],
) -> tuple[int, int]:
    """Write minute rows, spans (``titles`` is the sealed title of each) and every rollup.

    Returns the number of minute rows and of spans written.
    """
    device = np.array(device_ids, dtype=np.int64)
    minutes = sim.minutes
    counts = [getattr(minutes, name) for name in MINUTE_COLUMNS[3:]]
    columns = (device[minutes.device], minutes.minute, *counts)
    # The demo writes fresh rows only (a duplicate is a bug): storage's write path, FAIL rule.
    written = write_minutes(connection, _rows(person_id, *columns), OnConflict.FAIL)
    spans = _span_rows(person_id, device, sim, titles)
    span_count = write_spans(connection, spans, OnConflict.FAIL)
    _write_rollups(connection, person_id, sim, period)
    return written, span_count


def _span_rows(
    person_id: int, device: np.ndarray, sim: Simulation, titles: Sequence[bytes | None]
) -> Iterator[tuple[Any, ...]]:
    spans = sim.spans
    device_id = device[spans.device]
    order = np.lexsort((spans.start, device_id))  # primary-key order: device, then start
    apps = np.array(sim.apps, dtype=object)[spans.entry]
    apps[spans.idle] = IDLE_APP
    sites = _SITES[spans.entry]
    sites[spans.idle] = None
    sealed = np.empty(len(titles), dtype=object)
    sealed[:] = titles
    columns = (device_id, spans.start, spans.end, apps, sites, sealed)
    return _rows(person_id, *(column[order] for column in columns))


def _write_rollups(connection: Connection, person_id: int, sim: Simulation, period: Period) -> None:
    slots = ten_minute_totals(sim.minutes)
    _insert(connection, activity_10min, SLOT_COLUMNS, person_id, slots.key, *_sums(slots))
    daily = daily_totals(sim.minutes)
    day = _dates(period, daily.key)
    sums = (*_sums(daily), daily.first_ts, daily.last_ts)
    _insert(connection, activity_daily, DAILY_COLUMNS, person_id, day, *sums)
    # As storage.rollups counts them: under the site when there is one.
    labels = [entry.site or app for entry, app in zip(CATALOGUE, sim.apps, strict=True)]
    names, label_of_entry = np.unique(np.array(labels, dtype=object), return_inverse=True)
    per_app = app_days(sim.spans, label_of_entry)
    app = names[per_app.app]
    day = _dates(period, per_app.day)
    _insert(connection, app_daily, APP_DAILY_COLUMNS, person_id, day, app, per_app.seconds)


def _sums(totals: Totals) -> tuple[np.ndarray, ...]:
    return (totals.tracked_seconds, totals.active_seconds, totals.key_presses, totals.mouse_clicks)


def _insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    person_id: int,
    *values: np.ndarray | list[Any],
) -> int:
    return bulk_insert(connection, table, columns, _rows(person_id, *values))


def _dates(period: Period, days: np.ndarray) -> list[date]:
    return [period.day(index) for index in days.tolist()]


def _rows(constant: int, *columns: np.ndarray | list[Any]) -> Iterator[tuple[Any, ...]]:
    """Tuples of ``constant`` and the columns' values, as plain Python objects."""
    values: list[Iterable[Any]] = [repeat(constant)]
    values += [c.tolist() if isinstance(c, np.ndarray) else c for c in columns]
    return zip(*values, strict=False)  # the constant column repeats without end
