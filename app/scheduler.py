"""The daily retention purge while the workbench is up: one background thread per process.

``start()`` is cached by Streamlit as a resource, so however many sessions and reruns call
it, one daemon thread runs per server process. Every ``interval`` seconds it asks
``purge_if_due`` (which purges when the last purge finished a day ago or more). An error is
logged and the thread carries on: retention must never take the app down, and the next tick
tries again. Two app processes may both purge: harmless, the purge is idempotent.
The first check comes one interval after start, so starting the app stays fast.

``TRAQ_RETENTION_SCHEDULE=off`` disables the thread: test suites that run the app over
fixed-date demo data set it, or a real-time purge would remove that data under them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime

import streamlit as st

from analytics.retention.schedule import purge_if_due
from app import context
from storage import Storage

log = logging.getLogger(__name__)
TICK_SECONDS = 60.0


def tick(storage: Storage, now: datetime) -> bool:
    """Run a due purge as of ``now``; True if one ran. Logs and swallows any error."""
    try:
        report = purge_if_due(storage.engine, storage.objects, now)
    except Exception:  # the app must outlive any failure of the purge
        log.exception("scheduled retention purge failed; retrying at the next tick")
        return False
    if report is not None:
        log.info("scheduled retention purge done as of %s", report.as_of)
    return report is not None


class PurgeThread(threading.Thread):
    """Calls ``tick`` every ``interval`` seconds until stopped (a daemon: dies with the app)."""

    def __init__(
        self,
        storage: Callable[[], Storage],
        clock: Callable[[], datetime] = context.now,
        interval: float = TICK_SECONDS,
    ) -> None:
        super().__init__(name="traq-retention-purge", daemon=True)
        self._storage, self._clock, self._interval = storage, clock, interval
        self._stop_event = threading.Event()
        self.ticks = 0
        self.purges = 0

    def run(self) -> None:
        """Tick every ``interval`` seconds, the first one interval after start."""
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


@st.cache_resource(show_spinner=False)
def start() -> PurgeThread | None:
    """Start the process's purge thread (once: cached across sessions and reruns).

    Returns None, starting nothing, when ``TRAQ_RETENTION_SCHEDULE`` is ``off``.
    """
    if os.environ.get("TRAQ_RETENTION_SCHEDULE", "on").lower() == "off":
        return None
    thread = PurgeThread(context.storage)
    thread.start()
    return thread
