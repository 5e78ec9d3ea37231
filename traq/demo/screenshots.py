"""Screenshots for the last days: when they are taken, and storing them sealed.

Rendering and sealing are CPU work; on threads they fought the database writes of the
main thread for the GIL (the writes ran 2.3x slower), so they run in worker processes, one
person's screenshots per task, on the cores the database writes leave free. Workers ignore
Ctrl-C: the parent stops them, then deletes every object they stored, since the database
transaction cannot take objects back. A small demo (a few person-days of screenshots) stores
them in-process instead: starting spawned workers, each importing the renderer and the object
store, costs more than its few shots.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from storage.crypto.envelope import Sealer
from storage.objects import ObjectStore, open_object_store
from traq.demo.pictures import HEIGHT, WIDTH, Scene, render
from traq.demo.schedule import Sessions

# One core stays with the database writes, which set the pace of the demo.
WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))
# Up to this many person-days of screenshots, worker processes cost more than they save.
INLINE_PERSON_DAYS = 40
ShotRow = tuple[int, int, int, str, str, int, int, int, bool]
SHOT_COLUMNS = (
    "person_id", "device_id", "taken_at", "object_key", "key_id",
    "width", "height", "size_bytes", "blurred",
)  # fmt: skip


def shot_times(
    sessions: Sessions, since_day: int, interval: int, jitter: int, rng: np.random.Generator
) -> np.ndarray:
    """Capture times (UTC seconds), every ``interval`` +/- ``jitter`` seconds of the sessions
    on local day ``since_day`` or later, as the collector takes them."""
    times: list[np.ndarray] = []
    for start, end, day in zip(sessions.start, sessions.end, sessions.day, strict=True):
        if day < since_day:
            continue
        count = int(end - start) // max(interval - jitter, 1) + 2
        steps = interval + rng.integers(-jitter, jitter + 1, count)
        steps[0] = rng.integers(0, interval)
        at = start + np.cumsum(steps)
        times.append(at[at < end])
    return np.concatenate(times) if times else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Shot:
    """One screenshot to take: what it shows and where it goes."""

    person_id: int
    device_id: int
    taken_at: int
    key: str
    scene: Scene


@dataclass(frozen=True)
class ShotBatch:
    """One person's screenshots, sealed to their public key."""

    public_key: bytes
    key_id: str
    shots: list[Shot]


class _Worker:
    """A worker process's own handle on the object store, and threads to put with: a put
    mostly waits (on fsync, or on the network), so several at once keep the CPU busy."""

    def __init__(self, url: str) -> None:
        self.store = open_object_store(url)
        self.putters = ThreadPoolExecutor(4, thread_name_prefix="traq-demo-put")

    def store_batch(self, batch: ShotBatch, blur: bool) -> list[ShotRow]:
        """Render, seal and put every shot of ``batch``; return their rows."""
        sealer = Sealer(batch.public_key, batch.key_id)
        rows: list[ShotRow] = []
        puts: list[Future[str | None]] = []
        try:
            for shot in batch.shots:
                sealed = sealer.seal(shot.key, render(shot.scene, blur=blur))
                rows.append((shot.person_id, shot.device_id, shot.taken_at, shot.key,
                             batch.key_id, WIDTH, HEIGHT, len(sealed), blur))  # fmt: skip
                puts.append(self.putters.submit(self.store.put, shot.key, sealed))
            for put in puts:
                put.result()
        except BaseException:
            wait(puts)
            for row in rows:  # the parent never hears of these keys: clean them up here
                with contextlib.suppress(Exception):
                    self.store.delete(row[3])
            raise
        return rows


_worker: _Worker | None = None


def _start_worker(url: str) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers, and cleans up
    _worker = _Worker(url)


def _store_batch(batch: ShotBatch, blur: bool) -> list[ShotRow]:
    if _worker is None:
        raise RuntimeError("screenshot worker used before it started")
    return _worker.store_batch(batch, blur)


class _InlinePool:
    """The pool's interface, storing each batch at once in this process (small demos)."""

    def __init__(self, url: str) -> None:
        self._worker = _Worker(url)

    def submit(self, _: object, batch: ShotBatch, blur: bool) -> Future[list[ShotRow]]:
        future: Future[list[ShotRow]] = Future()
        try:
            future.set_result(self._worker.store_batch(batch, blur))
        except Exception as exc:  # the caller reads it from the future, as from a process
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._worker.putters.shutdown(wait=wait)


class ShotWriter:
    """Stores screenshots in worker processes (in-process with ``inline``) and hands back
    their rows, in order."""

    def __init__(
        self,
        objects: ObjectStore,
        url: str,
        *,
        blur: bool,
        workers: int = WORKERS,
        inline: bool = False,
    ) -> None:
        self._objects = objects
        self._blur = blur
        self._pool: ProcessPoolExecutor | _InlinePool = (
            _InlinePool(url)
            if inline
            else ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),  # no fork of open connections
                initializer=_start_worker,
                initargs=(url,),
            )
        )
        self._pending: deque[Future[list[ShotRow]]] = deque()
        self._done: list[ShotRow] = []
        self._stored: list[str] = []
        self.limit = 4 * workers

    def submit(self, batch: ShotBatch) -> None:
        """Queue ``batch``; blocks while too many wait, so a slow store paces the demo."""
        if not batch.shots:
            return
        if len(self._pending) >= self.limit:
            self._done += self._collect(self._pending.popleft())
        self._pending.append(self._pool.submit(_store_batch, batch, self._blur))

    def finished(self, *, block: bool = False) -> list[ShotRow]:
        """Rows of the screenshots stored so far (all of them with ``block``), in order."""
        rows, self._done = self._done, []
        while self._pending and (block or self._pending[0].done()):
            rows += self._collect(self._pending.popleft())
        return rows

    def close(self) -> None:
        """Wait for the workers and stop them."""
        self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stop the workers and delete every object stored (best effort, silently)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for future in self._pending:
            if not future.cancelled() and future.exception() is None:
                self._stored += [row[3] for row in future.result()]
        for key in self._stored:
            with contextlib.suppress(Exception):  # cleanup must not hide the original error
                self._objects.delete(key)

    def _collect(self, future: Future[list[ShotRow]]) -> list[ShotRow]:
        rows = future.result()
        self._stored += [row[3] for row in rows]  # the object key
        return rows
