"""Ships the spool to a sink: batches, idempotent keys, capped and jittered backoff.

Only what the sink confirmed leaves the spool. When the sink is unreachable the uploader
says so once (one line, no content), keeps everything, and retries after an exponential
delay (capped, with jitter so that a fleet of collectors does not retry in step); it logs
once more when storage is back, and then catches up batch after batch.

Two refusals are not outages. A batch the sink refuses for good (``ServiceRefused``: the
service will never accept that request) is set aside in the spool, counted and logged in one
line without content, so that later batches flow. A refused device token (``DeviceRefused``)
ends the drain at once: nothing more can go until the device is enrolled again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from collector.errors import CollectorError, DeviceRefused, ServiceRefused
from collector.sinks.base import Sink
from collector.spool.store import Spool
from storage.errors import StorageError
from storage.objects.keys import screenshot_key

log = logging.getLogger("collector")
BATCH_SIZE = 500
SCREENSHOT_BATCH = 20
# A wrong service URL (or a proxy before it) answers these to every request: retry, never
# set aside the whole spool.
_NOT_A_REFUSAL = frozenset({401, 404, 405, 429})


class Backoff:
    """Exponential delays from ``base`` doubling to ``cap``, each jittered down to half."""

    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None):
        if not 0 < base <= cap:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base, self.cap = base, cap
        self._rng = rng or random.Random()
        self.failures = 0

    def next_delay(self) -> float:
        """Record a failure; return how long to wait before the next attempt."""
        delay = min(self.cap, self.base * 2.0 ** min(self.failures, 30))
        self.failures += 1
        return delay * self._rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        """Record a success: the next failure starts from ``base`` again."""
        self.failures = 0


class Uploader:
    """Sends pending spool items to ``sink``; ``pseudonyms`` maps person ids to object keys."""

    def __init__(self, spool: Spool, sink: Sink, pseudonyms: Mapping[int, str]) -> None:
        self._spool = spool
        self._sink = sink
        self._pseudonyms = pseudonyms
        self._confirmed: set[tuple[str, int, int, int]] = set()
        self.rejected = 0  # items set aside because the sink refused them for good

    @property
    def uploaded(self) -> int:
        """Distinct items (minute rows, spans, screenshots) confirmed by the sink so far."""
        return len(self._confirmed)

    def drain(self, now: Callable[[], float] = time.time) -> int:
        """Send batches until nothing is pending; return items confirmed.

        Tries every kind even if one fails, then raises the first failure
        (``SinkUnavailable`` or another storage error): the spool keeps what was not sent.
        """
        total, failure = 0, None
        for step in (self._minutes, self._spans, self._screenshots):
            try:
                while (sent := step(now())) > 0:
                    total += sent
            except DeviceRefused:
                raise  # no other kind can go either
            except (CollectorError, StorageError) as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return total

    def _minutes(self, now: float) -> int:
        rows = self._spool.pending_minutes(BATCH_SIZE)
        if not rows:
            return 0
        refusal = _refusal_of(self._sink.send_minutes, rows)
        if refusal is None:
            self._spool.confirm_minutes(rows, now)
            self._confirmed.update(("m", r.person_id, r.device_id, r.minute) for r in rows)
        else:
            self._spool.set_aside_minutes(rows, refusal.status, _line(refusal), now)
            self._count_rejected("minute rows", len(rows), refusal)
        return len(rows)

    def _spans(self, now: float) -> int:
        rows = self._spool.pending_spans(BATCH_SIZE)
        if not rows:
            return 0
        refusal = _refusal_of(self._sink.send_spans, rows)
        if refusal is None:
            self._spool.confirm_spans(rows)
            self._confirmed.update(("s", r.person_id, r.device_id, r.start_ts) for r in rows)
        else:
            self._spool.set_aside_spans(rows, refusal.status, _line(refusal), now)
            self._count_rejected("spans", len(rows), refusal)
        return len(rows)

    def _screenshots(self, now: float) -> int:
        names = self._spool.pending_screenshots(SCREENSHOT_BATCH)
        for name in names:
            key = screenshot_key(self._pseudonyms[name.person_id], name.taken_at, name.device_id)
            try:
                envelope = self._spool.files.read(name)
            except FileNotFoundError:
                # Lost before a crash recovery: nothing to send.
                self._spool.confirm_screenshot(name)
                continue
            refusal = _refusal_of(self._sink.send_screenshot, key, envelope, name)
            if refusal is None:
                self._spool.confirm_screenshot(name)
                self._confirmed.add(("p", name.person_id, name.device_id, name.taken_at))
            else:
                self._spool.set_aside_screenshot(name, refusal.status, _line(refusal), now)
                self._count_rejected("screenshot", 1, refusal)
        return len(names)

    def _count_rejected(self, what: str, count: int, refusal: ServiceRefused) -> None:
        self.rejected += count
        # The service's reasons name fields and rules, never values: no content in the log.
        log.warning(
            "%d %s set aside in the spool, refused for good (%d set aside in all; "
            "`traq spool status` lists them): %s",
            count,
            what,
            self.rejected,
            _line(refusal),
        )


def _refusal_of(send: Callable[..., Any], *args: Any) -> ServiceRefused | None:
    """Call ``send``; None once delivered, the refusal if the sink refused it for good."""
    try:
        send(*args)
    except DeviceRefused:
        raise
    except ServiceRefused as exc:
        if exc.status in _NOT_A_REFUSAL:
            raise
        return exc
    return None


class UploadWorker:
    """Runs an ``Uploader`` on its own thread every ``interval`` seconds, or when kicked."""

    def __init__(self, uploader: Uploader, interval: float, backoff: Backoff) -> None:
        self.uploader = uploader
        self._interval = interval
        self._backoff = backoff
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._outage = False
        self._refused = False
        self._thread = threading.Thread(target=self._run, name="traq-uploader", daemon=True)

    def start(self) -> None:
        """Start uploading in the background."""
        self._thread.start()

    def kick(self) -> None:
        """Upload now rather than at the next interval."""
        self._kick.set()

    def stop(self, timeout: float) -> bool:
        """Stop the thread, waiting at most ``timeout``; True if it has ended.

        An upload in flight finishes first (it may outlast ``timeout`` on a dead network).
        """
        self._stop.set()
        self._kick.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def attempt(self) -> bool:
        """One drain; True if everything pending went, False (logged once) if not."""
        try:
            self.uploader.drain()
        except DeviceRefused:
            if not self._refused:  # whoever stops the run reports the refusal in full
                log.warning("uploads stopped: this device's token was refused")
            self._refused = True
            return False
        except (CollectorError, StorageError) as exc:
            if not self._outage:
                log.warning("storage unreachable, the spool holds and retries: %s", _line(exc))
            self._outage = True
            return False
        if self._outage:
            log.info("storage reachable again; the spool is caught up")
        self._outage = False
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.attempt():
                self._backoff.reset()
                delay = self._interval
            else:
                delay = self._backoff.next_delay()
            self._kick.wait(delay)
            self._kick.clear()


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
