"""A daily purge for long-running processes (the app, the ingestion service).

``purge_if_due`` runs the purge when the last finished one is a day old or more; the caller
invokes it periodically and passes ``now``. ``PurgeThread`` is that caller: a daemon thread
per process that ticks every minute (``TRAQ_RETENTION_TICK_SECONDS``). An error is logged
and the thread carries on: retention must never take the service down, and the next tick
tries again. Two processes racing both purge: harmless, since the purge is idempotent.

``TRAQ_RETENTION_SCHEDULE=off`` disables the thread: test suites that run the services over
fixed-date demo data set it, or a real-time purge would remove that data under them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, select

from analytics.publication.schedule import publish_tick
from services.notices import deadline_reminders, deliver_pending, smtp_settings
from services.offboarding import erase_departed
from services.retention.purge import DEFAULT_BATCH, PurgeReport, run_purge
from storage.db.schema import retention_runs
from storage.facade import Storage
from storage.policies import DEFAULT_POLICIES, load_policies

INTERVAL = timedelta(days=1)
TICK_SECONDS = 60.0
log = logging.getLogger(__name__)


def is_due(last_finished: datetime | None, now: datetime, interval: timedelta = INTERVAL) -> bool:
    """Whether a purge should run: never run yet, or the last one finished ``interval`` ago."""
    return last_finished is None or now - last_finished >= interval


def last_finished(engine: Engine) -> datetime | None:
    """When the last purge (not a dry run) finished, or None."""
    with engine.connect() as connection:
        value: datetime | None = connection.execute(
            select(func.max(retention_runs.c.finished_at))
        ).scalar_one()
    return value


def end_of(day: date) -> datetime:
    """The last second of ``day`` (UTC): a purge as of a day covers all of it, and the
    people past their post-employment period by then."""
    return datetime.combine(day, time(23, 59, 59), UTC)


def purge_installation(
    storage: Storage,
    as_of: date,
    moment: datetime,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
) -> PurgeReport:
    """The whole purge as of ``as_of``: every category past the policy in force, and every
    person past their post-employment period at ``moment`` (erased as an erasure would).

    The one entry point for the scheduled tick, `traq retention purge` and the DPO's page,
    so none of them can forget the departed.
    """
    with storage.engine.connect() as connection:
        stored = load_policies(connection)["retention_days"]
    return run_purge(
        storage.engine,
        storage.objects,
        {**DEFAULT_POLICIES["retention_days"], **stored},
        as_of,
        dry_run=dry_run,
        batch_size=batch_size,
        departed=lambda dry: erase_departed(storage, moment, dry).counts(),
    )


def purge_if_due(storage: Storage, now: datetime) -> PurgeReport | None:
    """Run today's purge (people past their post-employment period included) if one is due;
    return its report, or None if not due."""
    if not is_due(last_finished(storage.engine), now):
        return None
    return purge_installation(storage, now.date(), now)


def schedule_enabled(env: Mapping[str, str] = os.environ) -> bool:
    """False when ``TRAQ_RETENTION_SCHEDULE`` is ``off``."""
    return env.get("TRAQ_RETENTION_SCHEDULE", "on").strip().lower() != "off"


def tick_seconds(env: Mapping[str, str] = os.environ) -> float:
    """Seconds between checks: ``TRAQ_RETENTION_TICK_SECONDS`` (default 60)."""
    try:
        seconds = float(env.get("TRAQ_RETENTION_TICK_SECONDS", TICK_SECONDS))
    except ValueError:
        return TICK_SECONDS
    return seconds if seconds > 0 else TICK_SECONDS


def notices_tick(engine: Engine, now: datetime) -> None:
    """Queue the DPO's deadline reminders, then send the outbox (when SMTP is set)."""
    with engine.begin() as connection:
        deadline_reminders(connection, now)
    deliver_pending(engine, smtp_settings(os.environ), now)


def tick(storage: Storage, now: datetime) -> bool:
    """Publish due days and run a due purge as of ``now``; True if a purge ran. Logs and
    swallows any error."""
    publish_tick(storage.engine, now)
    try:
        notices_tick(storage.engine, now)
    except Exception:  # mail must never stop the purge either
        log.exception("notices could not be queued or sent; retrying at the next tick")
    try:
        report = purge_if_due(storage, now)
    except Exception:  # the service must outlive any failure of the purge
        log.exception("scheduled retention purge failed; retrying at the next tick")
        return False
    if report is not None:
        log.info("scheduled retention purge done as of %s", report.as_of)
    return report is not None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PurgeThread(threading.Thread):
    """Calls ``tick`` every ``interval`` seconds until stopped (a daemon: dies with the app)."""

    def __init__(
        self,
        storage: Callable[[], Storage],
        clock: Callable[[], datetime] = _utc_now,
        interval: float | None = None,
    ) -> None:
        super().__init__(name="traq-retention-purge", daemon=True)
        self._storage, self._clock = storage, clock
        self._interval = tick_seconds() if interval is None else interval
        self._stop_event = threading.Event()
        self.ticks = 0
        self.purges = 0

    def run(self) -> None:
        """Tick every ``interval`` seconds, the first one interval after start (fast start)."""
        while not self._stop_event.wait(self._interval):
            try:
                ran = tick(self._storage(), self._clock())
            except Exception:  # opening storage failed: log, try again next tick
                log.exception("retention schedule cannot open storage")
                ran = False
            self.ticks += 1
            self.purges += int(ran)

    def stop(self) -> None:
        """Ask the thread to end after its current tick."""
        self._stop_event.set()


def start_schedule(storage: Callable[[], Storage]) -> PurgeThread | None:
    """Start a purge thread over ``storage`` unless the schedule is switched off."""
    if not schedule_enabled():
        return None
    thread = PurgeThread(storage)
    thread.start()
    return thread
