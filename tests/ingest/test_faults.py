"""Faults in the company deployment: each recovers with nothing lost or stops cleanly.

Collectors are `traq collect` processes (``tests.ingest.fault_collector``: the real command
behind scripted sources that journal each second and screenshot they produce) enrolled at an
ingestion service that writes to PostgreSQL and an S3 endpoint (moto). Each test breaks one
piece mid-run and states the outcome it proves:

- RECOVERS: the fault passes, everything the sources produced arrives exactly once (sums
  per device equal the journals; each screenshot one row and one object, opening to its
  bytes), with at most the last flush interval lost where the collector itself was killed;
- STOPS CLEANLY: the collector stops with one clear line and a non-zero exit, nothing is
  corrupted, nothing half-sent, and what was kept arrives once the cause is gone.

Each test prints its figures as one ``[faults]`` line (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from collector.errors import SpoolCorrupt, SpoolUnwritable
from collector.spool import Spool
from collector.spool.store import SPOOL_FILE
from ingest import enrolment
from ingest.app import IngestConfig
from storage.db import schema
from tests.collector.cli import child_env
from tests.collector.helpers import capturing, device_stamp, wait_until
from tests.collector.install import Install, installation
from tests.fixtures.rigs import missing_rig
from tests.fixtures.s3 import S3Endpoint, free_port
from tests.ingest.faults import (
    COUNTS,
    PER_SECOND_MAX,
    Finished,
    Laptop,
    PrivatePostgres,
    check_exact,
    check_screenshots,
    count_rows,
    finish,
    report,
    spool_minutes,
    spool_shot_keys,
    spool_span_starts,
    stop_all,
    stored_counts,
    stored_minutes,
)
from tests.ingest.proxy import TcpProxy
from tests.ingest.rows import snapshot
from tests.ingest.service import assert_refused, call, running
from tests.traq.cli import ROOT

DEVICES = 3
RUN = 28.0  # seconds each collector of a fleet fault runs
OUTAGE = 8.0  # seconds a fault lasts


def code_for(install: Install) -> str:
    """A new person and a one-time enrolment code for one of their devices."""
    pseudonym = install.add_person()
    with install.engine.begin() as conn:
        person_id, _ = enrolment.find_person(conn, pseudonym)
        return enrolment.create_code(conn, person_id, datetime.now(UTC))


def start_fleet(
    tmp_path: Path, install: Install, url: str
) -> tuple[list[Laptop], list[subprocess.Popen[str]]]:
    """``DEVICES`` laptops, each a new person's device, enrolling and collecting for ``RUN`` s."""
    laptops = [Laptop(tmp_path / f"laptop-{i}", url, seed=i + 1) for i in range(DEVICES)]
    codes = [code_for(install) for _ in laptops]
    children = [
        laptop.start(enrol=code, duration=RUN) for laptop, code in zip(laptops, codes, strict=True)
    ]
    return laptops, children


def every_device_stored(install: Install, what: str = "minutes") -> bool:
    """True once each of the fleet's devices has minute rows (or screenshot rows) stored."""
    if what == "minutes":
        return len(stored_counts(install.engine)) == DEVICES
    with install.engine.connect() as conn:
        devices = set(conn.execute(select(schema.screenshots.c.device_id)).scalars())
    return len(devices) == DEVICES


def finish_fleet(children: list[subprocess.Popen[str]], outages: int = 1) -> list[Finished]:
    """Wait for the fleet; each ran its time, exited 0, left nothing pending, and logged
    each outage it met in one line, and the recovery in another."""
    results = [finish(child, RUN + 90) for child in children]
    for result in results:
        assert result.returncode == 0, result
        assert result.summary["stop_reason"] == "duration", result
        assert result.summary["pending"] == 0, result
        assert "Traceback" not in result.stderr, result
        down = result.stderr.count("storage unreachable")
        assert 1 <= down <= outages, result
        assert result.stderr.count("storage reachable again") == down, result
    return results


def held(laptops: list[Laptop]) -> list[dict[str, int]]:
    """What each laptop's spool holds for upload right now."""
    return [laptop.pending() for laptop in laptops]


# -- 1. PostgreSQL stopped and restarted -------------------------------------------------------


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL of this test's own (the shared server is never stopped)."""
    try:
        server = PrivatePostgres()
    except (OSError, RuntimeError) as exc:
        missing_rig(f"cannot create a private PostgreSQL ({str(exc).splitlines()[0]})")
    try:
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            missing_rig(f"cannot start a private PostgreSQL ({str(exc).splitlines()[0]})")
        yield server
    finally:
        server.close()


@pytest.mark.slow
def test_postgres_stopped_and_restarted_mid_run_loses_nothing(
    tmp_path: Path, private_postgres: PrivatePostgres, s3_store_url: str
) -> None:
    """RECOVERS: with the database killed for ``OUTAGE`` s, the service answers 503 on every
    call, the collectors keep capturing into their spools; after the restart every second
    and screenshot arrives exactly once.
    """
    with installation(tmp_path, private_postgres.url, s3_store_url) as install:
        with running(IngestConfig(install.settings)) as url:
            laptops, children = start_fleet(tmp_path, install, url)
            try:
                wait_until(lambda: every_device_stored(install), 60, "rows from every device")
                private_postgres.stop()
                started = time.monotonic()
                token = laptops[0].token
                for method, path, body in (
                    ("GET", "/v1/state", None),
                    ("POST", "/v1/batches", {"minutes": []}),
                ):
                    answer = call(method, f"{url}{path}", body, token=token.token)
                    assert_refused(answer, 503, "retry later")
                first = held(laptops)
                time.sleep(max(0.0, OUTAGE - (time.monotonic() - started)))
                during = held(laptops)
                private_postgres.start()
                finish_fleet(children)
            finally:
                stop_all(children)
        for before, after in zip(first, during, strict=True):
            assert after["screenshots"] > before["screenshots"] >= 0, (first, during)
            assert after["minutes"] >= 1, during
        figures = check_exact(install, laptops)
    report("postgres restart", {**figures, "outage_s": OUTAGE, "spooled_at_restart": during})


# -- 2. the S3 endpoint stopped and restarted --------------------------------------------------


@pytest.mark.slow
def test_s3_endpoint_stopped_and_restarted_mid_run_loses_no_screenshot(
    tmp_path: Path,
    pg_schema_url: str,
    s3_store_url: str,
    s3_env: S3Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RECOVERS: with the S3 endpoint unreachable for ``OUTAGE`` s, minute rows keep arriving
    while screenshots wait in the spools; after it is back each screenshot arrives exactly
    once, with its row and its object.

    The endpoint is reached through a TCP proxy that drops every connection and refuses new
    ones (moto keeps its buckets in memory, so a real restart would forget the bucket; from
    the service's and the collectors' side the endpoint went away and came back).
    """
    proxy = TcpProxy(("127.0.0.1", s3_env.port))
    # The service signs presigned URLs for this endpoint: collectors PUT through the proxy too.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
    try:
        with installation(tmp_path, pg_schema_url, s3_store_url) as install:
            with running(IngestConfig(install.settings)) as url:
                laptops, children = start_fleet(tmp_path, install, url)
                try:
                    wait_until(
                        lambda: every_device_stored(install, "screenshots"),
                        60,
                        "a screenshot from every device",
                    )
                    proxy.cut()
                    time.sleep(1.0)  # a commit in flight at the cut may still land
                    shots_at_cut = count_rows(install.engine, schema.screenshots)
                    keys_at_cut = sum(stored_total(install).values())
                    first = held(laptops)
                    time.sleep(OUTAGE - 1.0)
                    during = held(laptops)
                    shots_during = count_rows(install.engine, schema.screenshots)
                    keys_during = sum(stored_total(install).values())
                    proxy.restore()
                    finish_fleet(children)
                finally:
                    stop_all(children)
            assert shots_during == shots_at_cut  # no row without its object
            assert keys_during > keys_at_cut  # minute rows went on arriving
            for before, after in zip(first, during, strict=True):
                assert after["screenshots"] >= before["screenshots"] + 2, (first, during)
            figures = check_exact(install, laptops)
    finally:
        proxy.close()
    waiting = [h["screenshots"] for h in during]
    report("s3 restart", {**figures, "outage_s": OUTAGE, "screenshots_waiting": waiting})


def stored_total(install: Install) -> dict[int, int]:
    """Key presses stored per device."""
    return {
        device: counts["key_presses"] for device, counts in stored_counts(install.engine).items()
    }


# -- 3. the ingestion service killed -----------------------------------------------------------


def serve(install: Install, port: int) -> subprocess.Popen[str]:
    """`traq serve-ingest` on ``port`` as the operator runs it; wait until it answers."""
    env = install.env | {"TRAQ_RETENTION_SCHEDULE": "off"}
    log = Path(install.env["TRAQ_DATA_DIR"]) / "serve-ingest.log"
    with log.open("a") as output:  # a file, not a pipe nobody reads while it serves
        child = subprocess.Popen(
            [sys.executable, "-m", "traq.main", "serve-ingest", "--port", str(port)],
            cwd=ROOT,
            env=child_env(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2):
                return child
        except (urllib.error.URLError, ConnectionError):
            assert child.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "serve-ingest did not answer"
            time.sleep(0.2)


def grows(measure: Callable[[], int]) -> Callable[[], bool]:
    """A condition: ``measure()`` is above what it is now."""
    start = measure()
    return lambda: measure() > start


def kill_9(child: subprocess.Popen[str]) -> None:
    """SIGKILL and reap."""
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)  # reads what a piped child wrote, reaps any


@pytest.mark.slow
def test_ingestion_service_killed_and_restarted_loses_and_doubles_nothing(
    tmp_path: Path, pg_schema_url: str, s3_store_url: str
) -> None:
    """RECOVERS: `traq serve-ingest` is SIGKILLed twice mid-run (requests in flight cut
    wherever they were) and restarted on its port after ``OUTAGE``/2 s; every second and
    screenshot arrives exactly once.
    """
    rng = random.Random(int(os.environ.get("TRAQ_FAULT_SEED", "8")))
    port = free_port()
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        service = serve(install, port)
        children: list[subprocess.Popen[str]] = []
        try:
            laptops, children = start_fleet(tmp_path, install, f"http://127.0.0.1:{port}")
            wait_until(lambda: every_device_stored(install), 60, "rows from every device")
            spooled = []
            for _ in range(2):
                wait_until(grows(lambda: sum(stored_total(install).values())), 30, "uploads")
                time.sleep(rng.uniform(0.0, 1.0))
                kill_9(service)
                time.sleep(OUTAGE / 2)
                spooled.append([h["minutes"] + h["screenshots"] for h in held(laptops)])
                service = serve(install, port)
            finish_fleet(children, outages=2)
        finally:
            stop_all([*children, service])
        assert all(sum(row) > 0 for row in spooled), spooled
        figures = check_exact(install, laptops)
    report("service kill -9", {**figures, "kills": 2, "spooled_while_down": spooled})


# -- 4. a collector killed at random moments ----------------------------------------------------

KILLS = 8


def new_run(laptop: Laptop, stamp: int, child: subprocess.Popen[str]) -> Callable[[], bool]:
    """A condition: a run started after ``stamp`` samples into the spool (or ``child`` ended)."""
    spool = laptop.spool
    return lambda: (device_stamp(spool) != stamp and capturing(spool)) or child.poll() is not None


@dataclasses.dataclass
class Seen:
    """What had reached the spool or the database before the kills: it must all arrive."""

    minutes: dict[int, int] = dataclasses.field(default_factory=dict)  # minute -> key presses
    spans: set[int] = dataclasses.field(default_factory=set)
    shots: set[str] = dataclasses.field(default_factory=set)

    def look(self, laptop: Laptop, install: Install, pseudonym: str) -> None:
        """Note what is durable now (spool first: a row then sent is in the database)."""
        device_id = laptop.token.device_id
        spooled = spool_minutes(laptop.spool)
        self.spans |= spool_span_starts(laptop.spool)
        self.shots |= spool_shot_keys(laptop.spool, pseudonym)
        stored = stored_minutes(install.engine, device_id)
        with install.engine.connect() as conn:
            self.spans |= set(conn.execute(select(schema.app_spans.c.start_ts)).scalars())
            self.shots |= set(conn.execute(select(schema.screenshots.c.object_key)).scalars())
        for minute in spooled.keys() | stored.keys():
            value = max(spooled.get(minute, 0), stored.get(minute, 0))
            self.minutes[minute] = max(self.minutes.get(minute, 0), value)


@pytest.mark.slow
def test_collector_killed_at_random_moments_loses_at_most_the_last_flush(
    tmp_path: Path, pg_schema_url: str, s3_store_url: str
) -> None:
    """RECOVERS: a collector sending through the service is SIGKILLed ``KILLS`` times in a
    row at random moments (while starting, and mid-tick, mid-flush, mid-upload, mid-screenshot:
    ``TRAQ_FAULT_SEED`` picks them); after a last clean run
    everything that had reached its spool arrived, at most the seconds since the last flush
    (two ticks a kill) are missing, nothing doubled, and every object opens.
    """
    seed = int(os.environ.get("TRAQ_FAULT_SEED", "4"))
    rng = random.Random(seed)
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        with running(IngestConfig(install.settings)) as url:
            laptop = Laptop(tmp_path / "laptop", url, seed=seed, shot_interval=1.0)
            pseudonym = None
            seen = Seen()
            code: str | None = code_for(install)
            for kill in range(KILLS):
                stamp = device_stamp(laptop.spool)
                child = laptop.start(enrol=code)
                code = None
                try:
                    if kill % 3 == 2:  # while it starts: recovering the spool, binding, …
                        time.sleep(rng.uniform(0.2, 2.0))
                    else:  # while it captures, flushes, uploads
                        wait_until(new_run(laptop, stamp, child), 60, "a new run capturing")
                        assert child.poll() is None, finish(child)
                        time.sleep(rng.uniform(0.5, 4.0))
                    pseudonym = pseudonym or laptop.token.pseudonym
                    seen.look(laptop, install, pseudonym)
                finally:
                    kill_9(child)
            last = laptop.run(duration=3)
        assert last.returncode == 0 and last.summary["pending"] == 0, last
    assert pseudonym is not None
    device_id = laptop.token.device_id
    truth = laptop.truth()
    stored = stored_counts(install.engine)[device_id]
    lost = {name: truth.counts[name] - stored[name] for name in COUNTS}
    for name in COUNTS:  # nothing doubled, at most two seconds lost per kill
        assert 0 <= lost[name] <= KILLS * 2 * PER_SECOND_MAX[name], (lost, truth, stored)
    final = stored_minutes(install.engine, device_id)
    short = {m: (v, final.get(m)) for m, v in seen.minutes.items() if final.get(m, -1) < v}
    assert short == {}, "minutes lost after they reached the spool or the database"
    with install.engine.connect() as conn:
        spans = conn.execute(select(schema.app_spans).order_by(schema.app_spans.c.start_ts)).all()
    assert seen.spans <= {row.start_ts for row in spans}
    assert all(a.end_ts <= b.start_ts for a, b in itertools.pairwise(spans))  # none doubled
    shots = check_screenshots(install, [laptop], required={device_id: seen.shots})
    assert len(truth.shots) - shots.rows <= KILLS  # at most the one staged, per kill
    assert list((laptop.spool / "screenshots").iterdir()) == []
    assert not (laptop.spool / "rejected").exists()
    report(
        "collector kill -9",
        {
            "kills": KILLS,
            "seed": seed,
            "seconds": truth.ticks,
            "generated": truth.counts,
            "lost": lost,
            "screenshots": {"taken": len(truth.shots), "stored": shots.rows},
            "spans": len(spans),
            "extra_object_versions": shots.extra_versions,
        },
    )


# -- 5. a full disk under the spool --------------------------------------------------------------

DISK = "2m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: a disk that fills up (needs root; missing rig otherwise)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        missing_rig(f"cannot mount a small tmpfs ({mounted.stderr.strip() or 'not root'})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


def fill(folder: Path, leave: int) -> Path:
    """A new file taking all free space of ``folder``'s disk but ``leave`` bytes."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / f"filler-{len(list(folder.glob('filler-*')))}"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler


def quick_check(spool: Path) -> str:
    """SQLite's integrity check of the spool, read-only."""
    db = sqlite3.connect(f"file:{spool / SPOOL_FILE}?mode=ro", uri=True)
    try:
        return str(db.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        db.close()


@contextlib.contextmanager
def proxied_service(install: Install) -> Iterator[tuple[str, TcpProxy]]:
    """The service (in a thread) behind a TCP proxy that can cut it off the network."""
    with running(IngestConfig(install.settings)) as url:
        port = int(url.rsplit(":", 1)[1])
        proxy = TcpProxy(("127.0.0.1", port))
        try:
            yield f"http://127.0.0.1:{proxy.port}", proxy
        finally:
            proxy.close()


@pytest.mark.slow
def test_full_disk_under_the_spool_stops_cleanly_and_what_was_kept_arrives(
    tmp_path: Path, small_disk: Path, pg_schema_url: str, s3_store_url: str
) -> None:
    """STOPS CLEANLY: offline (the service unreachable), a collector fills the 2 MiB disk of
    its spool; it stops with one clear line naming the full disk and exits 1. The spool
    stays readable; a start on the still-full disk is refused with one line saying so
    (not calling the spool damaged, whose advice, moving it aside, would lose it). Once
    space is back the next run delivers everything the spool held, exactly once; only the
    seconds of the flush that failed are missing.
    """
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        with proxied_service(install) as (url, proxy):
            laptop = Laptop(
                tmp_path / "laptop", url, seed=5, shot_interval=1.0, spool_at=small_disk / "spool"
            )
            first = laptop.run(enrol=code_for(install), duration=3)
            assert first.returncode == 0 and first.summary["pending"] == 0, first
            proxy.cut()
            filler = fill(small_disk, leave=160 * 1024)
            stopped = finish(laptop.start(), 75)
            assert stopped.returncode == 1, stopped
            error = stopped.stderr.strip().splitlines()[-1]
            assert error.startswith("traq collect: error: ") and "disk" in error, stopped
            assert "Traceback" not in stopped.stderr
            assert quick_check(laptop.spool) == "ok"
            kept = laptop.pending()
            assert kept["minutes"] > 0 and kept["screenshots"] > 0, kept
            rest = fill(small_disk, leave=0)
            again = finish(laptop.start(), 60)  # no space at all: refused, the spool not blamed
            assert again.returncode == 1, again
            refusal = again.stderr.strip().splitlines()
            assert len(refusal) == 1 and "is its disk full?" in refusal[0], again
            assert "spool is kept" in refusal[0] and "move it aside" not in refusal[0], again
            assert quick_check(laptop.spool) == "ok"
            assert laptop.pending() == kept
            filler.unlink()
            rest.unlink()
            proxy.restore()
            last = laptop.run(duration=3)
            assert last.returncode == 0 and last.summary["pending"] == 0, last
        truth = laptop.truth()
        stored = stored_counts(install.engine)[laptop.token.device_id]
        lost = {name: truth.counts[name] - stored[name] for name in COUNTS}
        for name in COUNTS:  # the flush that failed, at most two seconds
            assert 0 <= lost[name] <= 2 * PER_SECOND_MAX[name], (lost, truth, stored)
        shots = check_screenshots(install, [laptop], required={laptop.token.device_id: set()})
        assert len(truth.shots) - shots.rows <= 1
    report(
        "full disk",
        {
            "disk": DISK,
            "error": error,
            "refused_when_full": refusal[0],
            "kept_in_spool": kept,
            "seconds": truth.ticks,
            "lost": lost,
            "screenshots": {"taken": len(truth.shots), "stored": shots.rows},
        },
    )


# -- 6. a corrupted spool file -------------------------------------------------------------------


@pytest.mark.slow
def test_corrupted_spool_is_refused_at_start_and_nothing_is_sent(
    tmp_path: Path, pg_schema_url: str, s3_store_url: str
) -> None:
    """STOPS CLEANLY: bytes overwritten in spool.db (its header, or a page of its tables):
    `traq collect` refuses at start with one clear line naming the file and exits 1; it
    sends nothing (the service's database is unchanged, the device not even seen) and
    leaves the damaged file as it found it.
    """
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        with proxied_service(install) as (url, proxy):
            laptop = Laptop(tmp_path / "laptop", url, seed=6)
            first = laptop.run(enrol=code_for(install), duration=3)
            assert first.returncode == 0, first
            proxy.cut()  # an offline run: the spool keeps rows and screenshots to send
            offline = laptop.run(duration=5)
            assert offline.returncode == 0 and offline.summary["pending"] > 0, offline
            proxy.restore()
            kept = laptop.pending()
            assert kept["minutes"] > 0 and kept["screenshots"] > 0, kept
            before = tables(install)
            pristine = tmp_path / "pristine"
            shutil.copytree(laptop.spool, pristine)
            refusals = {}
            for damage, (offset, length) in {"header": (0, 100), "page": (4096, 4096)}.items():
                shutil.rmtree(laptop.spool)
                shutil.copytree(pristine, laptop.spool)
                db = laptop.spool / SPOOL_FILE
                with db.open("r+b") as handle:
                    handle.seek(offset)
                    handle.write(bytes([0xA5]) * length)
                damaged = hashlib.sha256(db.read_bytes()).hexdigest()
                result = laptop.run(duration=3)
                assert result.returncode == 1, result
                lines = result.stderr.strip().splitlines()
                assert len(lines) == 1 and "Traceback" not in result.stderr, result
                assert lines[0].startswith("traq collect: error: "), result
                assert str(db) in lines[0] and "move it aside" in lines[0], result
                assert result.stdout == ""  # no summary: it never ran
                assert hashlib.sha256(db.read_bytes()).hexdigest() == damaged
                assert tables(install) == before, damage
                refusals[damage] = lines[0]
    report("corrupted spool", {"kept_in_spool": kept, "refusals": refusals})


@pytest.mark.parametrize(
    ("name", "message"),
    [("SQLITE_FULL", "database or disk is full"), ("SQLITE_IOERR_SHMSIZE", "disk I/O error")],
)
def test_a_disk_refusing_writes_at_start_is_not_called_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    """STOPS CLEANLY (the rig-free half of the full-disk test): SQLite's errors for a full
    disk are SpoolUnwritable, saying the spool is kept, never SpoolCorrupt, whose advice
    (move the spool aside) would throw away what it holds.
    """
    spool = Spool(tmp_path / "spool")

    def disk_full() -> None:
        error = sqlite3.OperationalError(message)
        error.sqlite_errorname = name  # what SQLite sets on a full disk
        raise error

    monkeypatch.setattr(spool, "_recover", disk_full)
    with pytest.raises(SpoolUnwritable) as refused:
        spool.recover()
    spool.close()
    text = str(refused.value)
    assert not isinstance(refused.value, SpoolCorrupt)
    assert f"({message}); is its disk full?" in text and "the spool is kept" in text
    assert "\n" not in text and "move it aside" not in text


def tables(install: Install) -> dict[str, list[tuple[object, ...]]]:
    """Every row a device could have changed: data, rollups, quarantine, devices."""
    with install.engine.connect() as conn:
        devices = sorted(tuple(row) for row in conn.execute(select(schema.devices)))
    return {**snapshot(install.engine), "devices": devices}
