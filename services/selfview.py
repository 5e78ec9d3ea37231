"""A person's own data, for themselves only: their day, their screenshots, their consent.

Every function takes the subject's ``person_id`` (the signed-in person's, never one from a
request) and returns or changes that person's data only. Consent or objection does not hide
a person's data from themselves, so these read the tables without the eligibility filter
that analytics applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Engine, delete, func, select

from analytics.periods import Period
from storage import audit
from storage.db.schema import activity_10min, app_spans, people, screenshots
from storage.facade import Storage

IDLE_SLOT = 0.2  # a 10-minute slot with less than this activity level counts as idle


@dataclass(frozen=True)
class Subject:
    """The signed-in person: time zone and consent state."""

    person_id: int
    display_name: str
    timezone: str
    consent: str
    objected: bool
    restricted: bool


@dataclass(frozen=True)
class Shot:
    """One of the subject's screenshots (still sealed)."""

    object_key: str
    taken_at: datetime
    width: int
    height: int


def subject(engine: Engine, person_id: int) -> Subject:
    """The person's own record (LookupError if there is none)."""
    p = people.c
    query = select(p.id, p.display_name, p.timezone, p.consent, p.objected, p.restricted)
    with engine.connect() as connection:
        row = connection.execute(query.where(p.id == person_id)).first()
    if row is None:
        raise LookupError("no such person")
    return Subject(int(row[0]), row[1], row[2], row[3], bool(row[4]), bool(row[5]))


def local_bounds(period: Period, zone: str) -> tuple[int, int]:
    """UTC ``[lo, hi)`` seconds of the period's local days in ``zone``."""
    tz = ZoneInfo(zone)
    start = datetime.combine(period.first, datetime.min.time(), tz)
    end = datetime.combine(period.last + timedelta(days=1), datetime.min.time(), tz)
    return int(start.timestamp()), int(end.timestamp())


def _local(column: str, zone: str, alias: str) -> pl.Expr:
    return (
        pl.from_epoch(pl.col(column), "s")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(zone)
        .alias(alias)
    )


def my_last_day(engine: Engine, person_id: int) -> date | None:
    """The last local day holding the person's own tracked time, or None if none yet."""
    t = activity_10min.c
    with engine.connect() as connection:
        last = connection.execute(
            select(func.max(t.slot_start)).where(t.person_id == person_id)
        ).scalar_one()
        zone = connection.execute(
            select(people.c.timezone).where(people.c.id == person_id)
        ).scalar_one_or_none()
    if last is None or zone is None:
        return None
    return datetime.fromtimestamp(int(last), ZoneInfo(str(zone))).date()


def my_slots(engine: Engine, person: Subject, period: Period) -> pl.DataFrame:
    """``start`` (local time), ``tracked_seconds``, ``active_seconds``, ``activity_level``,
    ``idle`` per 10-minute slot of the period."""
    lo, hi = local_bounds(period, person.timezone)
    t = activity_10min.c
    query = select(t.slot_start, t.tracked_seconds, t.active_seconds).where(
        t.person_id == person.person_id, t.slot_start >= lo, t.slot_start < hi
    )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(t.slot_start)).all()
    schema = {"slot_start": pl.Int64, "tracked_seconds": pl.Int64, "active_seconds": pl.Int64}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    level = pl.col("active_seconds") / pl.col("tracked_seconds")
    return frame.filter(pl.col("tracked_seconds") > 0).select(
        _local("slot_start", person.timezone, "start"),
        "tracked_seconds",
        "active_seconds",
        level.alias("activity_level"),
        (level < IDLE_SLOT).alias("idle"),
    )


def my_spans(engine: Engine, person: Subject, period: Period) -> pl.DataFrame:
    """``start``, ``end`` (local times) and ``app`` (or site) of each application span."""
    lo, hi = local_bounds(period, person.timezone)
    s = app_spans.c
    query = select(s.start_ts, s.end_ts, s.app, s.site).where(
        s.person_id == person.person_id, s.start_ts >= lo, s.start_ts < hi
    )
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(s.start_ts)).all()
    schema = {"start_ts": pl.Int64, "end_ts": pl.Int64, "app": pl.String, "site": pl.String}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.select(
        _local("start_ts", person.timezone, "start"),
        _local("end_ts", person.timezone, "end"),
        pl.coalesce("site", "app").alias("app"),
        (pl.col("end_ts") - pl.col("start_ts")).alias("seconds"),
    )


def my_screenshot_count(engine: Engine, person_id: int) -> int:
    """How many screenshots the person has."""
    query = select(func.count()).select_from(screenshots)
    with engine.connect() as connection:
        return int(
            connection.execute(query.where(screenshots.c.person_id == person_id)).scalar_one()
        )


def my_screenshots(engine: Engine, person_id: int, limit: int = 48, offset: int = 0) -> list[Shot]:
    """The person's screenshots, newest first: ``limit`` of them after skipping ``offset``."""
    s = screenshots.c
    query = (
        select(s.object_key, s.taken_at, s.width, s.height)
        .where(s.person_id == person_id)
        .order_by(s.taken_at.desc(), s.object_key)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as connection:
        return [
            Shot(r[0], datetime.fromtimestamp(r[1], UTC), int(r[2]), int(r[3]))
            for r in connection.execute(query)
        ]


def _owned(engine: Engine, person_id: int, object_key: str) -> bool:
    s = screenshots.c
    query = select(s.object_key).where(s.person_id == person_id, s.object_key == object_key)
    with engine.connect() as connection:
        return connection.execute(query).first() is not None


def open_my_screenshot(storage: Storage, person_id: int, object_key: str) -> bytes:
    """The decrypted image, if it is this person's (PermissionError otherwise)."""
    if not _owned(storage.engine, person_id, object_key):
        raise PermissionError("this screenshot is not yours")
    return storage.vault.open(storage.objects.get(object_key), object_id=object_key)


def delete_my_screenshot(storage: Storage, person_id: int, object_key: str) -> None:
    """Delete one of the person's screenshots: its object, then its row."""
    if not _owned(storage.engine, person_id, object_key):
        raise PermissionError("this screenshot is not yours")
    storage.objects.delete(object_key)
    s = screenshots.c
    with storage.engine.begin() as connection:
        connection.execute(
            delete(screenshots).where(s.person_id == person_id, s.object_key == object_key)
        )


def record_access(
    engine: Engine, user_id: int, person_id: int, action: str, count: int, now: datetime
) -> None:
    """Write a self-view access (``action``, how many items) to the audit log."""
    with engine.begin() as connection:
        audit.append(
            connection, audit.user_ref(user_id), action, audit.person_ref(person_id),
            {"count": count}, now,
        )  # fmt: skip
