"""Fleet benchmark: N simulated collectors through `traq serve-ingest` to PostgreSQL and S3.

Sets up a temporary installation (`traq init`) over a fresh PostgreSQL schema and a moto S3
server, starts `traq serve-ingest` (uvicorn, one process, as operators run it), enrols one
device per person, then for each N in ``--collectors`` runs N simulated collectors, one
thread each, making through the real ``HttpsSink`` the requests a collector sampling once
a second makes with its default settings:

- every 10 s (the uploader's interval) one POST of the minute rows touched since the last
  upload (the open minute's cumulative state, which replaces the earlier one, and the
  previous minute's final state) and one POST of the spans touched (a window switch every
  20 s: the open span extended, the closed one final; titles sealed to the person's key);
- every 60 s one state read (the policy watcher);
- every 10 minutes one sealed screenshot (~150 KB of random bytes, as incompressible as a
  JPEG): presign at the service, PUT straight to S3, commit at the service.

That is about 13 service requests and 4 distinct rows a minute per collector, each
collector on its own random phase. ``--compression C`` runs the simulated clock C times
faster than the wall clock (every cadence above divided by C): C = 1 (the default) is the
issue's target literally (200 collectors in real time); C > 1 is a stress test with C
times the load, which also makes the 10-minute screenshots frequent in a short run.

Upload lag is measured open-loop: from the moment an upload is due on its collector's
timetable (the moment its rows were final for that upload) to the moment the service
confirmed it (for a screenshot: its commit), so a collector that falls behind accrues lag
rather than hiding it (no coordinated omission). It leaves out the device's own wait for
its next upload tick (up to 10 s), which is the device's setting, not the service's speed.
Failed requests (429/503/timeouts, refusals) are counted and retried after 1 s, as the
uploader's backoff does. After each round the database is checked against what the service
confirmed: ``missing`` (minute rows, spans, screenshot rows) and the key-press total must
both be 0.

Also measured in the same run: PostgreSQL's raw binary COPY of minute rows (the baseline
code of ``bench_ingest.py``; ours/raw is tiny for a fleet, whose row rate is what the
collectors offer), and a catch-up phase in which 8 devices drain a backlog in 500-row
batches back to back (the uploader's batch size after an outage): the service's peak row
rate, the fair comparison with COPY. Target: 200 collectors kept up with (upload lag p95
<= 10 s, nothing missing). Last line: one JSON object with the figures.

    python benchmarks/bench_fleet.py [--collectors 10,50,200] [--seconds 60]
        [--compression 1] [--catch-up-seconds 10] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench_ingest import fresh_engine, minute_rows, pg_schema, raw_copy
from sqlalchemy import Engine, func, insert, select

from activity.records import PendingMinute, PendingSpan, ScreenshotMeta
from collector.errors import CollectorError
from collector.sinks.https import HttpsSink, enrol_device
from ingest import enrolment
from storage.crypto.envelope import Sealer
from storage.db import schema
from storage.db.engine import open_engine
from storage.objects.keys import screenshot_key
from storage.vault import KeyVault, open_master_key

ROOT = Path(__file__).resolve().parent.parent
SHOT_BYTES = 150_000
UPLOAD_EVERY = 10  # simulated s between uploads: the uploader's default interval
STATE_EVERY = 60  # simulated s between state reads: the policy watcher's default
SHOT_EVERY = 600  # simulated s between screenshots: one per 10 minutes
SPAN_SECONDS = 20  # a window switch every 20 s: three spans a minute
APPS = ("Editor", "Browser", "Terminal", "Mail", "Chat")
TITLE = b"Quarterly report - draft 3.docx"
RETRY_SECONDS = 1.0
TARGET_LAG_S = 10.0
CATCH_UP_DEVICES = 8
CATCH_UP_BATCH = 500  # collector.pipeline.uploader.BATCH_SIZE
RAW_COPY_ROWS = 500_000
BACKLOG_MINUTES = 30 * 1440  # a month-old backlog at most
T = TypeVar("T")


# ---------------------------------------------------------------------------- the rig


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    """Poll ``url`` until it answers any HTTP status; RuntimeError if ``process`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer on {url}")


@contextmanager
def child(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A background process (output to ``log``), terminated at the end of the block."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def moto_command(port: int) -> list[str]:
    """moto's S3 server, from the venv if it is there."""
    script = Path(sys.executable).with_name("moto_server")
    found = str(script) if script.exists() else shutil.which("moto_server")
    base = [found] if found else [sys.executable, "-m", "moto.server"]
    return [*base, "-H", "127.0.0.1", "-p", str(port)]


def traq_env(folder: Path, database_url: str, s3_url: str) -> dict[str, str]:
    """The server's environment: the installation, S3 at moto, dummy credentials."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRAQ_", "AWS_"))}
    return {
        **clean,
        "TRAQ_DATA_DIR": str(folder / "data"),
        "TRAQ_DATABASE_URL": database_url,
        "TRAQ_OBJECT_STORE": f"s3://tq-bench-{secrets.token_hex(4)}/objects",
        "AWS_ENDPOINT_URL": s3_url,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def create_bucket(env: dict[str, str]) -> None:
    """The installation's versioned bucket (as an operator creates it before `traq init`)."""
    from storage.objects import S3ObjectStore

    bucket, _, prefix = env["TRAQ_OBJECT_STORE"].removeprefix("s3://").partition("/")
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    try:
        S3ObjectStore(bucket, prefix).ensure_bucket(versioned=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def traq_init(env: dict[str, str]) -> None:
    """`traq init`: schema, master key, policies."""
    done = subprocess.run(
        [sys.executable, "-m", "traq.main", "init"], cwd=ROOT, env=env, capture_output=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"traq init failed: {done.stderr.decode()[-500:]}")


@dataclass
class Rig:
    """A running installation: its engine, the ingestion service URL and a vault."""

    engine: Engine
    url: str
    vault: KeyVault


@contextmanager
def rig(dsn: str) -> Iterator[Rig]:
    """moto, a fresh schema, `traq init` and `traq serve-ingest`, all torn down after."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-fleet-")))
        s3_port, ingest_port = free_port(), free_port()
        s3_url = f"http://127.0.0.1:{s3_port}"
        moto = stack.enter_context(child(moto_command(s3_port), dict(os.environ), folder / "m"))
        wait_for(f"{s3_url}/moto-api/", moto, "moto_server")
        schema_gen = pg_schema(dsn)
        database_url = next(schema_gen)
        stack.callback(next, schema_gen, None)
        env = traq_env(folder, database_url, s3_url)
        create_bucket(env)
        traq_init(env)
        serve = [sys.executable, "-m", "traq.main", "serve-ingest", "--port", str(ingest_port)]
        server = stack.enter_context(child(serve, env, folder / "ingest.log"))
        url = f"http://127.0.0.1:{ingest_port}"
        wait_for(f"{url}/v1/health", server, "traq serve-ingest")
        engine = open_engine(database_url)
        stack.callback(engine.dispose)
        key_file = Path(env["TRAQ_DATA_DIR"]) / "master.key"
        yield Rig(engine, url, KeyVault(engine, open_master_key(engine, key_file)))


def enrol_fleet(rig: Rig, count: int) -> list[HttpsSink]:
    """``count`` new people with a key pair, each with one enrolled device; their sinks."""
    now = datetime.now(UTC)
    with rig.engine.begin() as conn:
        team = conn.execute(
            insert(schema.teams).values(name=f"Fleet {secrets.token_hex(4)}", department="Bench")
        ).inserted_primary_key[0]  # type: ignore[index]
        codes = []
        for _ in range(count):
            person = conn.execute(
                insert(schema.people).values(
                    pseudonym=f"s_{secrets.token_hex(8)}",
                    display_name="Bench Person",
                    team_id=team,
                    timezone="UTC",
                    created_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            rig.vault.create_subject_key(conn, int(person), now)
            codes.append(enrolment.create_code(conn, int(person), now))
    with ThreadPoolExecutor(8) as pool:  # enrolment is one request each: overlap them
        tokens = list(pool.map(lambda code: enrol_device(rig.url, code), codes))
    return [HttpsSink(token) for token in tokens]


# ------------------------------------------------------------------ simulated collectors


@dataclass(frozen=True)
class Delivery:
    """One confirmed send: what kind, how many items, when due and when confirmed."""

    kind: str  # "rows" or "shot"
    items: int
    due: float
    confirmed: float


@dataclass
class Ledger:
    """Every delivery of a round, appended by the collector threads."""

    deliveries: list[Delivery] = field(default_factory=list)
    request_ms: list[float] = field(default_factory=list)
    retries: int = 0
    failures: list[str] = field(default_factory=list)


class SimulatedCollector:
    """One device as its uploader, policy watcher and screenshot timer see the network.

    Simulated time runs ``compression`` times faster than the wall clock. Every
    ``UPLOAD_EVERY`` simulated seconds (from a random phase) the device uploads what its
    spool holds since the last upload: the current state of each minute row touched (the
    open minute, cumulative, replacing the earlier state; the previous one final) in one
    POST, and the spans touched (the open one extended, the ones closed) in another. Every
    ``STATE_EVERY`` seconds it reads its person's state; every ``SHOT_EVERY`` seconds (from
    a random phase) it takes a sealed screenshot, sent at the next upload.
    """

    def __init__(self, sink: HttpsSink, epoch: int, rng: random.Random) -> None:
        self.sink, self.token, self.epoch = sink, sink.enrolled, epoch
        self.phase = rng.uniform(0, UPLOAD_EVERY)
        self.shot_phase = rng.uniform(0, SHOT_EVERY)
        self.rng = rng
        # Per-second rates of this person: keys, clicks, mouse moves, scrolls.
        self.rates = (rng.uniform(0.5, 4), rng.uniform(0.1, 1), rng.uniform(5, 40), rng.random())
        state = sink.subject_state(None)  # the first run's state read: the person's key
        self.sealer = Sealer(state.public_key.public_key, state.public_key.key_id)
        self.titles: dict[int, bytes] = {}
        self.sent_minutes: dict[int, int] = {}  # minute -> key presses last sent
        self.sent_spans: set[int] = set()

    def minute_state(self, start: int, now: float) -> PendingMinute:
        """Minute row of the simulated minute from ``start`` as sampled up to ``now``."""
        elapsed = int(min(60.0, now - start))
        keys, clicks, moves, scrolls = (int(rate * elapsed) for rate in self.rates)
        token = self.token
        minute = self.epoch + start
        return PendingMinute(
            token.person_id, token.device_id, minute, elapsed, keys, clicks, moves, scrolls, 1
        )

    def span_state(self, start: int, now: float) -> PendingSpan:
        """The window span from ``start`` (``SPAN_SECONDS`` long) as of ``now``."""
        if start not in self.titles:  # the sampler seals a span's title once, too
            self.titles[start] = self.sealer.seal(f"{self.token.pseudonym}/title", TITLE)
        end = int(min(start + SPAN_SECONDS, now))
        app = APPS[(start // SPAN_SECONDS) % len(APPS)]
        token = self.token
        return PendingSpan(
            token.person_id,
            token.device_id,
            self.epoch + start,
            self.epoch + max(end, start + 1),
            app,
            None,
            self.titles.pop(start) if end >= start + SPAN_SECONDS else self.titles[start],
            1,
        )

    def upload(self, since: float, now: float, ledger: Ledger) -> int:
        """Minute rows and spans touched in ``(since, now]``: two POSTs. Items confirmed."""
        minutes = [
            self.minute_state(start, now) for start in touched(since, now, 60) if start < now
        ]
        spans = [
            self.span_state(start, now)
            for start in touched(since, now, SPAN_SECONDS)
            if start < now
        ]
        timed(ledger, lambda: self.sink.send_minutes(minutes))
        timed(ledger, lambda: self.sink.send_spans(spans))
        self.sent_minutes.update((row.minute, row.key_presses) for row in minutes)
        self.sent_spans.update(span.start_ts for span in spans)
        return len(minutes) + len(spans)

    def send_shot(self, at: float, ledger: Ledger) -> int:
        """One sealed screenshot taken at simulated second ``at``: presign, PUT, commit."""
        taken_at = self.epoch + int(at)
        key = screenshot_key(self.token.pseudonym, taken_at, self.token.device_id)
        envelope = self.sealer.seal(key, os.urandom(SHOT_BYTES))
        meta = ScreenshotMeta(
            self.token.person_id, self.token.device_id, taken_at, 1280, 720, False
        )
        timed(ledger, lambda: self.sink.send_screenshot(key, envelope, meta))
        return 1

    def run(self, started: float, stop_at: float, compression: float, ledger: Ledger) -> None:
        """Follow the timetable until ``stop_at``; a late upload keeps its due time."""
        since = 0.0
        for tick in range(10**9):
            now = self.phase + tick * UPLOAD_EVERY  # simulated seconds
            due = started + now / compression
            if due >= stop_at:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            self.tick(tick, since, now, due, ledger)
            since = now

    def tick(self, tick: int, since: float, now: float, due: float, ledger: Ledger) -> None:
        """One upload: the state read when due, rows and spans, then screenshots taken."""
        if tick % (STATE_EVERY // UPLOAD_EVERY) == 0:
            retrying(ledger, lambda: timed(ledger, lambda: self.sink.subject_state(None)))
        items = retrying(ledger, lambda: self.upload(since, now, ledger))
        ledger.deliveries.append(Delivery("rows", items, due, time.monotonic()))
        for at in shots_between(self.shot_phase, since, now):
            retrying(ledger, partial(self.send_shot, at, ledger))
            ledger.deliveries.append(Delivery("shot", 1, due, time.monotonic()))


def touched(since: float, now: float, length: int) -> range:
    """Starts of the ``length``-second periods that overlap ``(since, now]``."""
    first = int(since) - int(since) % length
    return range(first, int(now) + 1, length)


def shots_between(phase: float, since: float, now: float) -> list[float]:
    """Screenshot moments (``phase`` + k * ``SHOT_EVERY``) in ``(since, now]``."""
    k = max(0, int((since - phase) // SHOT_EVERY))
    moments = []
    while (at := phase + k * SHOT_EVERY) <= now:
        if at > since:
            moments.append(at)
        k += 1
    return moments


def timed(ledger: Ledger, request: Callable[[], T]) -> T:
    """Make one request, noting its latency."""
    started = time.perf_counter()
    answer = request()
    ledger.request_ms.append((time.perf_counter() - started) * 1000)
    return answer


def retrying(ledger: Ledger, send: Callable[[], T]) -> T:
    """``send`` until it succeeds (an idempotent resend is harmless), as the uploader does.

    Like the uploader, any collector error is retried: an outage (429, 503, a timeout)
    and a refusal alike; each one is counted and the first few are printed.
    """
    while True:
        try:
            return send()
        except CollectorError as exc:
            ledger.retries += 1
            if len(ledger.failures) < 5:
                ledger.failures.append(str(exc))
            time.sleep(RETRY_SECONDS)


# -------------------------------------------------------------------------- figures


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank (0 when empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def round_figures(n: int, ledger: Ledger, started: float, seconds: float) -> dict[str, float]:
    """Rates over the round (until the last confirmation), lags and request latencies."""
    rows = [d for d in ledger.deliveries if d.kind == "rows"]
    shots = [d for d in ledger.deliveries if d.kind == "shot"]
    span = max([started + seconds] + [d.confirmed for d in ledger.deliveries]) - started
    row_lags = [d.confirmed - d.due for d in rows]
    shot_lags = [d.confirmed - d.due for d in shots]
    return {
        f"n{n}_rows_per_s": sum(d.items for d in rows) / span,
        f"n{n}_objects_per_s": len(shots) / span,
        f"n{n}_requests_per_s": len(ledger.request_ms) / span,
        f"n{n}_lag_p95_s": p95(row_lags + shot_lags),
        f"n{n}_row_lag_p95_s": p95(row_lags),
        f"n{n}_object_lag_p95_s": p95(shot_lags),
        f"n{n}_lag_max_s": max(row_lags + shot_lags, default=0.0),
        f"n{n}_request_ms_median": statistics.median(ledger.request_ms or [0.0]),
        f"n{n}_request_ms_p95": p95(ledger.request_ms),
        f"n{n}_retries": float(ledger.retries),
        f"n{n}_rows_sent": float(sum(d.items for d in rows)),
        f"n{n}_objects_sent": float(len(shots)),
    }


def stored(engine: Engine, device_ids: list[int]) -> tuple[int, int, int, int]:
    """Minute rows, spans, screenshot rows and key presses stored for ``device_ids``."""
    tables = (schema.activity_minutes, schema.app_spans, schema.screenshots)
    minutes = schema.activity_minutes
    with engine.connect() as conn:
        counts = [
            conn.execute(
                select(func.count()).select_from(t).where(t.c.device_id.in_(device_ids))
            ).scalar_one()
            for t in tables
        ]
        keys = conn.execute(
            select(func.coalesce(func.sum(minutes.c.key_presses), 0)).where(
                minutes.c.device_id.in_(device_ids)
            )
        ).scalar_one()
    return counts[0], counts[1], counts[2], int(keys)


def missing(engine: Engine, collectors: list[SimulatedCollector], shots: int) -> dict[str, int]:
    """What the collectors had confirmed and the database does not hold (all 0 when right)."""
    got = stored(engine, [c.token.device_id for c in collectors])
    sent = (
        sum(len(c.sent_minutes) for c in collectors),
        sum(len(c.sent_spans) for c in collectors),
        shots,
        sum(sum(c.sent_minutes.values()) for c in collectors),
    )
    names = ("minutes", "spans", "objects", "key_presses")
    return {name: s - g for name, s, g in zip(names, sent, got, strict=True)}


def run_round(rig: Rig, n: int, seconds: float, compression: float) -> dict[str, float]:
    """N collectors for ``seconds``; their figures, checked against what the database holds."""
    sinks = enrol_fleet(rig, n)
    now = int(time.time())
    # The simulated stretch ends about now (rows from the future would be odd data).
    epoch = now - now % 60 - 60 * (int(seconds * compression / 60) + 2)
    collectors = [SimulatedCollector(s, epoch, random.Random(i)) for i, s in enumerate(sinks)]
    ledger = Ledger()
    cpu0, started = time.process_time(), time.monotonic()
    threads = [
        threading.Thread(target=c.run, args=(started, started + seconds, compression, ledger))
        for c in collectors
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = round_figures(n, ledger, started, seconds)
    figures[f"n{n}_load_cpu_s"] = time.process_time() - cpu0
    lost = missing(rig.engine, collectors, int(figures[f"n{n}_objects_sent"]))
    figures[f"n{n}_missing"] = float(sum(v for k, v in lost.items() if k != "key_presses"))
    figures[f"n{n}_key_press_diff"] = float(lost["key_presses"])
    print_round(n, figures, ledger)
    return figures


def print_round(n: int, f: dict[str, float], ledger: Ledger) -> None:
    """One line per round, and the first few retried failures."""
    print(
        f"N={n:<4} rows {f[f'n{n}_rows_per_s']:>7.1f}/s  objects {f[f'n{n}_objects_per_s']:>5.2f}/s"
        f"  requests {f[f'n{n}_requests_per_s']:>6.1f}/s  lag p95 {f[f'n{n}_lag_p95_s']:>5.2f} s"
        f" (rows {f[f'n{n}_row_lag_p95_s']:.2f}, objects {f[f'n{n}_object_lag_p95_s']:.2f},"
        f" max {f[f'n{n}_lag_max_s']:.2f})  request median/p95"
        f" {f[f'n{n}_request_ms_median']:.0f}/{f[f'n{n}_request_ms_p95']:.0f} ms"
        f"  retries {ledger.retries}  missing {f[f'n{n}_missing']:.0f}",
        flush=True,
    )
    for failure in ledger.failures:
        print(f"    retried: {failure}", flush=True)


# ------------------------------------------------------------- catch-up and raw COPY


def catch_up(rig: Rig, seconds: float) -> dict[str, float]:
    """Devices draining a backlog in 500-row batches back to back: the service's peak."""
    sinks = enrol_fleet(rig, CATCH_UP_DEVICES)
    counts = [0] * len(sinks)
    stop_at = time.monotonic() + seconds
    base = int(time.time()) - int(time.time()) % 60 - 60 * BACKLOG_MINUTES - 3600

    def drain(i: int) -> None:
        token, batch = sinks[i].enrolled, 0
        while time.monotonic() < stop_at:
            # Wrapping after 30 days keeps every minute in the past (later batches replace).
            first = base + 60 * (CATCH_UP_BATCH * batch % BACKLOG_MINUTES)
            rows = [
                PendingMinute(
                    token.person_id, token.device_id, first + 60 * m, 40, 90, 12, 800, 3, 1
                )
                for m in range(CATCH_UP_BATCH)
            ]
            counts[i] += retrying(Ledger(), partial(sinks[i].send_minutes, rows))
            batch += 1

    started = time.monotonic()
    with ThreadPoolExecutor(len(sinks)) as pool:
        list(pool.map(drain, range(len(sinks))))
    rate = sum(counts) / (time.monotonic() - started)
    print(f"catch-up   {rate:>9,.0f} rows/s ({CATCH_UP_DEVICES} devices, 500-row batches)")
    return {"catch_up_rows_per_s": rate}


def raw_copy_rate(dsn: str) -> float:
    """psycopg binary COPY of minute rows into a fresh schema (bench_ingest's baseline)."""
    rows = minute_rows(RAW_COPY_ROWS)
    schema_gen = pg_schema(dsn)
    url = next(schema_gen)
    try:
        fresh_engine(url).dispose()
        started = time.perf_counter()
        raw_copy(url, rows)
        rate = len(rows) / (time.perf_counter() - started)
    finally:
        next(schema_gen, None)
    print(f"raw COPY   {rate:>9,.0f} rows/s (psycopg binary COPY, {len(rows):,} minute rows)")
    return rate


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collectors", default="10,50,200", help="comma-separated N values")
    parser.add_argument("--seconds", type=float, default=60.0, help="wall seconds per round")
    parser.add_argument(
        "--compression", type=float, default=1.0, help="simulated seconds per wall second"
    )
    parser.add_argument("--catch-up-seconds", type=float, default=10.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    args.collectors = [int(n) for n in str(args.collectors).split(",") if n.strip()]
    if not args.collectors or min(args.collectors) < 1 or args.compression <= 0:
        parser.error("--collectors needs positive counts, --compression a positive value")
    return args


def main() -> None:
    """Every round, the catch-up and raw COPY; the JSON summary last."""
    args = parse_args()
    figures: dict[str, Any] = {
        "collectors": args.collectors,
        "seconds": args.seconds,
        "compression": args.compression,
    }
    with rig(args.pg) as fleet:
        for n in args.collectors:
            figures.update(run_round(fleet, n, args.seconds, args.compression))
        if args.catch_up_seconds > 0:
            figures.update(catch_up(fleet, args.catch_up_seconds))
    raw = raw_copy_rate(args.pg)
    figures["raw_copy_rows_per_s"] = raw
    for n in args.collectors:
        figures[f"n{n}_ratio_ours_raw"] = figures[f"n{n}_rows_per_s"] / raw
    if "catch_up_rows_per_s" in figures:
        figures["catch_up_ratio_ours_raw"] = figures["catch_up_rows_per_s"] / raw
    largest = max(args.collectors)
    figures["target_met"] = (
        figures[f"n{largest}_lag_p95_s"] <= TARGET_LAG_S
        and figures[f"n{largest}_missing"] == 0
        and figures[f"n{largest}_key_press_diff"] == 0
    )
    # Four significant digits: the ours/raw ratios of the fleet rounds are tiny.
    print(
        json.dumps(
            {k: float(f"{v:.4g}") if isinstance(v, float) else v for k, v in figures.items()}
        )
    )


if __name__ == "__main__":
    main()
