"""One collector run, wired: ``run_collector(config, duration) -> Summary``.

The main thread samples once a second and writes the spool every ``flush_interval``;
an upload thread ships the spool to the sink; a watcher thread re-reads consent and
policy every ``check_interval``. The run ends after ``duration`` seconds, when ``stop``
is set (the command line sets it on SIGINT/SIGTERM), or when consent is withdrawn; it
always ends by writing everything captured to the spool and trying one last upload.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from collector.errors import CollectorConfigError, CollectorError, DisplayUnavailable
from collector.pipeline.pause import PauseFlag
from collector.pipeline.sampler import Sampler
from collector.pipeline.sessionizer import DEFAULT_PULSE_SECONDS
from collector.pipeline.sources import SystemSources, open_system_sources
from collector.pipeline.subject import bind_subject, remember_state
from collector.pipeline.summary import Summary, summarise
from collector.pipeline.uploader import Backoff, Uploader, UploadWorker
from collector.pipeline.watcher import DEFAULT_CHECK_INTERVAL, PolicyWatcher, directive_for
from collector.sinks.base import Sink
from collector.sinks.embedded import EmbeddedSink
from collector.spool.device import DeviceIdentity, SpoolLock, spool_dir
from collector.spool.store import Spool
from storage.config import Settings, load_settings
from storage.writes import SubjectState

log = logging.getLogger("collector")
MAX_FLUSH_INTERVAL = 5.0
STOP_DURATION = "duration"
STOP_SIGNAL = "stopped"
STOP_DISPLAY = "display_lost"


@dataclass(frozen=True)
class CollectorConfig:
    """Where the spool lives and how often the collector flushes, uploads and checks."""

    settings: Settings
    spool_dir: Path
    subject: str | None = None
    screenshot_interval: float | None = None
    flush_interval: float = MAX_FLUSH_INTERVAL
    upload_interval: float = 10.0
    check_interval: float = DEFAULT_CHECK_INTERVAL
    pulse_seconds: int = DEFAULT_PULSE_SECONDS
    final_upload_timeout: float = 15.0
    retry_cap: float = 300.0

    def __post_init__(self) -> None:
        if not 0 < self.flush_interval <= MAX_FLUSH_INTERVAL:
            raise CollectorConfigError(f"flush interval must be in (0, {MAX_FLUSH_INTERVAL}] s")
        for name in ("upload_interval", "check_interval", "final_upload_timeout", "retry_cap"):
            if getattr(self, name) <= 0:
                raise CollectorConfigError(f"{name.replace('_', ' ')} must be positive")
        if self.screenshot_interval is not None and self.screenshot_interval < 1:
            raise CollectorConfigError("screenshot interval must be at least 1 s")


def load_config(env: Mapping[str, str] | None = None, **options: object) -> CollectorConfig:
    """A config from ``TRAQ_*`` variables (``TRAQ_SPOOL_DIR`` for the spool) and options."""
    env = os.environ if env is None else env
    settings = load_settings(env)
    spool = spool_dir(env, settings.data_dir)
    return CollectorConfig(settings, spool, **options)  # type: ignore[arg-type]


def run_collector(
    config: CollectorConfig,
    duration: float | None = None,
    *,
    stop: threading.Event | None = None,
    sink: Sink | None = None,
    open_sources: Callable[[bool], SystemSources] = open_system_sources,
) -> Summary:
    """Capture until ``duration`` elapses, ``stop`` is set or consent ends; summarise."""
    lock = SpoolLock(config.spool_dir)
    try:
        with ExitStack() as stack:
            spool = Spool(config.spool_dir)
            stack.callback(spool.close)
            spool.recover()
            if sink is None:
                sink = EmbeddedSink(config.settings)
                stack.callback(sink.close)
            identity, state = bind_subject(sink, config.spool_dir, config.subject)
            run = _Run(config, spool, sink, identity, state)
            return run.capture(duration, stop or threading.Event(), open_sources, stack)
    finally:
        lock.release()


class _Run:
    """The state of one run between binding the subject and the summary."""

    def __init__(
        self,
        config: CollectorConfig,
        spool: Spool,
        sink: Sink,
        identity: DeviceIdentity,
        state: SubjectState,
    ) -> None:
        self.config, self.spool, self.sink, self.identity = config, spool, sink, identity
        self.watcher = PolicyWatcher(
            sink,
            identity.pseudonym,
            directive_for(state, config.screenshot_interval),
            interval=config.check_interval,
            interval_override=config.screenshot_interval,
            on_state=self._remember,
        )
        upload_spool = Spool(config.spool_dir)
        uploader = Uploader(upload_spool, sink, {identity.person_id: identity.pseudonym})
        self.worker = UploadWorker(
            uploader, config.upload_interval, Backoff(min(1.0, config.retry_cap), config.retry_cap)
        )
        self._upload_spool = upload_spool

    def capture(
        self,
        duration: float | None,
        stop: threading.Event,
        open_sources: Callable[[bool], SystemSources],
        stack: ExitStack,
    ) -> Summary:
        """Sample until told to stop, then flush, upload and summarise."""
        stack.callback(self._upload_spool.close)
        started = time.monotonic()
        reason = self.watcher.directive.stop_reason
        if reason is not None:  # no consent: nothing is even opened; earlier capture may go
            self.worker.attempt()
            return self._summary(None, reason, started)
        sources = open_sources(self.watcher.directive.screenshots_allowed)
        stack.callback(sources.close)
        sampler = self._sampler(sources)
        self.worker.start()
        self.watcher.start()
        reason = _loop(sampler, self.watcher, stop, duration, self.config.flush_interval)
        sampler.finish(time.time())
        self.watcher.stop()
        if self.worker.stop(self.config.final_upload_timeout):
            self.worker.attempt()  # one last try for what the final flush wrote
        return self._summary(sampler, reason, started)

    def _sampler(self, sources: SystemSources) -> Sampler:
        return Sampler(
            counter=sources.counter,
            window=sources.window,
            shooter=sources.shooter,
            spool=self.spool,
            identity=self.identity,
            directive=lambda: self.watcher.directive,
            pause=PauseFlag(self.config.spool_dir),
            pulse_seconds=self.config.pulse_seconds,
        )

    def _summary(self, sampler: Sampler | None, reason: str, started: float) -> Summary:
        return summarise(
            sampler.totals if sampler is not None else None,
            seconds_run=time.monotonic() - started,
            uploaded=self.worker.uploader.uploaded,
            pending=self.spool.counts().total,
            stop_reason=reason,
            identity=self.identity,
        )

    def _remember(self, state: SubjectState) -> None:
        remember_state(self.config.spool_dir, self.identity.device_id, state)
        self.sink.device_seen(self.identity.device_id)


def _loop(
    sampler: Sampler,
    watcher: PolicyWatcher,
    stop: threading.Event,
    duration: float | None,
    flush_interval: float,
) -> str:
    """Tick once a second on the monotonic clock; return why capture stopped."""
    # Why mid-second: ticks then map to distinct epoch seconds despite scheduling jitter.
    stop.wait((0.5 - time.time()) % 1.0)
    start = time.monotonic()
    next_tick, next_flush = start, start + flush_interval
    while True:
        reason = _stop_reason(stop, watcher, duration, start)
        if reason is not None:
            return reason
        due = time.monotonic() >= next_flush
        if not _step(sampler, flush=due):
            return STOP_DISPLAY
        if due:
            next_flush = time.monotonic() + flush_interval
        next_tick = max(next_tick + 1.0, time.monotonic())  # a missed second is not replayed
        stop.wait(max(0.0, next_tick - time.monotonic()))


def _step(sampler: Sampler, *, flush: bool) -> bool:
    """One tick (and a flush when due); False when the display is gone."""
    try:
        sampler.tick(time.time())
        if flush:
            sampler.flush(time.time())
    except DisplayUnavailable as exc:
        log.warning("capture stopped: %s", exc)
        return False
    except (sqlite3.Error, OSError) as exc:
        raise CollectorError(f"cannot write the spool ({type(exc).__name__}); disk full?") from exc
    return True


def _stop_reason(
    stop: threading.Event, watcher: PolicyWatcher, duration: float | None, start: float
) -> str | None:
    if stop.is_set():
        return STOP_SIGNAL
    if duration is not None and time.monotonic() - start >= duration:
        return STOP_DURATION
    return watcher.directive.stop_reason
