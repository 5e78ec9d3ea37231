"""Publishing due days from a long-running process (the workbench, the ingestion service).

The retention schedule's thread calls ``publish_tick`` on every tick: it publishes every day
that has become due (closed everywhere plus the grace) and is not published yet, usually
nothing. An error is logged and swallowed: the next tick tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from analytics.publication.publish import publish_due

log = logging.getLogger(__name__)


def publish_tick(engine: Engine, now: datetime) -> int:
    """Publish what is due as of ``now``; how many days were published (0 on an error)."""
    try:
        report = publish_due(engine, now)
    except Exception:  # the service must outlive any failure of a publication
        log.exception("scheduled publication failed; retrying at the next tick")
        return 0
    if report.days:
        log.info("published %d day(s) up to %s", len(report.days), report.days[-1])
    return len(report.days)
