"""A daily purge for long-running processes (the app, the ingestion service).

``purge_if_due`` runs the purge when the last finished one is a day old or more; the caller
invokes it periodically (for instance once a minute from a background thread) and passes
``now``. Two processes racing both purge: harmless, since the purge is idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from analytics.retention.purge import PurgeReport, run_purge
from storage.db.schema import retention_runs
from storage.objects import ObjectStore
from storage.policies import DEFAULT_POLICIES, load_policies

INTERVAL = timedelta(days=1)


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


def purge_if_due(engine: Engine, objects: ObjectStore, now: datetime) -> PurgeReport | None:
    """Run today's purge if one is due; return its report, or None if not due."""
    if not is_due(last_finished(engine), now):
        return None
    with engine.connect() as connection:
        days = {**DEFAULT_POLICIES["retention_days"], **load_policies(connection)["retention_days"]}
    return run_purge(engine, objects, days, now.date())
