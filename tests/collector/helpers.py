"""Small helpers for collector tests: waiting, reading the spool, running in a thread."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collector.pipeline.summary import Summary
from collector.run import CollectorConfig, run_collector


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 0.1 s; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def spool_query(spool_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the spool of a running collector (WAL allows a concurrent reader)."""
    path = spool_dir / "spool.db"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # the schema is not there yet
    finally:
        db.close()


def capturing(spool_dir: Path) -> bool:
    """True once the running collector flushed a minute it is still in (it samples)."""
    return bool(spool_query(spool_dir, "SELECT 1 FROM minutes WHERE closed = 0 LIMIT 1"))


def device_stamp(spool_dir: Path) -> int:
    """When ``device.json`` was last written (0 if never); every online start rewrites it."""
    path = spool_dir / "device.json"
    return path.stat().st_mtime_ns if path.exists() else 0


def wait_new_run_capturing(spool_dir: Path, stamp: int, timeout: float = 30) -> None:
    """Wait until a run started after ``stamp`` recovered the spool and samples."""
    wait_until(
        lambda: device_stamp(spool_dir) != stamp and capturing(spool_dir), timeout, "capture"
    )


@dataclass
class Background:
    """``run_collector`` on a thread; ``stop()`` ends it and returns the summary."""

    config: CollectorConfig
    duration: float | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    result: list[Summary | BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result.append(run_collector(self.config, self.duration, stop=self.stop_event))
        except BaseException as exc:
            self.result.append(exc)

    def wait_capturing(self, timeout: float = 30) -> None:
        """Wait until the collector samples (its listeners are ready)."""
        wait_until(
            lambda: capturing(self.config.spool_dir) or bool(self.result), timeout, "capture"
        )
        self.check()

    def check(self) -> None:
        """Raise what the collector raised, if it did."""
        if self.result and isinstance(self.result[0], BaseException):
            raise self.result[0]

    def stop(self, timeout: float = 60) -> Summary:
        """Stop the run (as SIGINT would) and return its summary."""
        self.stop_event.set()
        return self.join(timeout)

    def join(self, timeout: float = 60) -> Summary:
        """Wait for the run to end by itself and return its summary."""
        self.thread.join(timeout)
        assert self.result, "the collector did not stop"
        self.check()
        summary = self.result[0]
        assert isinstance(summary, Summary)
        return summary
