"""Erasure benchmark: one person erased among 1,000 and 10,000, with the epoch re-wrap.

For each size and backend, a fresh installation with that many people, each with a key pair
under the current epoch and ``--minutes`` minute rows, a lake exported once, and a
screenshot object for the people erased. SQLite lives in a temporary folder; PostgreSQL
(``--postgres DSN`` of a server's maintenance database, default the local server on
127.0.0.1:5432; ``--no-postgres`` skips it) in a database the script creates and drops.

Each sample erases one person as the rights desk does: ``storage.erasure.erase_subject``
(objects, key destruction, the epoch's end: a new master key and epoch key, every remaining
key re-wrapped, the old ones destroyed; rows, audit) in one transaction, commits, settles the
master key file ("erase"), then clears the copies (``services.rights.effects.settle_copies``:
the lake's partitions that lost rows rewritten, PostgreSQL's touched tables vacuumed, SQLite's
WAL truncated; "settle"). The baseline erases another person in the same process the same way
but without ending the epoch (the behaviour before epochs), so the ratio shows what the
re-wrap costs. Medians of ``--repeat`` samples (default 3). Target: the whole erasure
(erase + settle) <= 2 s at 10,000 people. Last line: one JSON object with the figures.

    python benchmarks/bench_erasure.py [--sizes 1000 10000] [--repeat 3] [--postgres DSN]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, insert, select, text

from analytics.lake.erased import LAKE_PREFIX
from analytics.lake.export import export_lake
from services.rights.effects import settle_copies
from storage.config import load_settings
from storage.db.bulk import bulk_insert
from storage.db.schema import MINUTE_COLUMNS, activity_minutes, people, subject_keys, teams
from storage.epochs import EpochChange, ensure_epoch
from storage.erasure import erase_subject
from storage.facade import Storage, open_storage
from storage.keystore import open_key_store
from storage.objects import screenshot_key
from storage.vault import KeyVault
from traq.main import main as traq_main

TARGET_S = 2.0
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoEpochVault(KeyVault):
    """The baseline: destroys the person's keys but leaves the epoch (no re-wrap)."""

    def end_epoch(self, connection: Connection, now: datetime) -> EpochChange:
        return EpochChange(0, 0, self.master_key_id)


@contextmanager
def installation(size: int, minutes: int, postgres: str | None) -> Iterator[Storage]:
    """A fresh installation with ``size`` people, keys and rows; in a fresh database on PG."""
    with tempfile.TemporaryDirectory(prefix="bench-erasure-") as folder:
        env = {"TRAQ_DATA_DIR": f"{folder}/data", "XDG_CONFIG_HOME": f"{folder}/config"}
        database = None
        if postgres is not None:
            database = f"bench_erasure_{uuid.uuid4().hex[:10]}"
            _admin(postgres, f'CREATE DATABASE "{database}"')
            env["TRAQ_DATABASE_URL"] = _with_database(postgres, database)
        os.environ.update(env)
        try:
            with redirect_stdout(io.StringIO()):
                status = traq_main(["init"])
            if status != 0:
                sys.exit("traq init failed")
            storage = open_storage(load_settings(env))
            try:
                _populate(storage, size, minutes)
                yield storage
            finally:
                storage.close()
        finally:
            if database is not None:
                _admin(postgres or "", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(dsn: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(statement)


def _populate(storage: Storage, size: int, minutes: int) -> None:
    """``size`` people, one key pair each under the current epoch, minute rows; a lake."""
    with storage.engine.begin() as connection:
        team_id = connection.execute(
            insert(teams).values(name="Bench", department="B").returning(teams.c.id)
        ).scalar_one()
        rows = [
            {"pseudonym": f"s_{i:016x}", "display_name": f"Person {i}", "timezone": "UTC",
             "team_id": team_id, "created_at": NOW}
            for i in range(size)
        ]  # fmt: skip
        connection.execute(insert(people), rows)
        ids = list(connection.execute(select(people.c.id).order_by(people.c.id)).scalars())
        master = open_key_store(storage.settings, storage.engine).load(storage.engine)
        kek = ensure_epoch(connection, master, NOW)
        keys = []
        for person_id in ids:
            private = X25519PrivateKey.generate()
            key_id = f"k_{person_id:016x}"
            keys.append(
                {"key_id": key_id, "person_id": person_id,
                 "public_key": private.public_key().public_bytes_raw(),
                 "wrapped_private": kek.wrap_private(key_id, private.private_bytes_raw()),
                 "master_key_id": master.key_id, "epoch": kek.epoch, "created_at": NOW}
            )  # fmt: skip
        connection.execute(insert(subject_keys), keys)
        start = int(NOW.timestamp()) - 86400  # the day before: May 2026, one lake month
        series = (
            (person_id, 1, start + 60 * m, 45, 10, 2, 30, 1)
            for person_id in ids
            for m in range(minutes)
        )
        bulk_insert(connection, activity_minutes, MINUTE_COLUMNS, series)
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    export_lake(storage.engine, storage.objects, NOW, prefix=LAKE_PREFIX)


def erase_one(storage: Storage, vault: KeyVault, person_id: int) -> tuple[float, float]:
    """Seconds to erase ``person_id`` (commit, key file settled), and to clear the copies."""
    with storage.engine.connect() as connection:
        pseudonym = connection.execute(
            select(people.c.pseudonym).where(people.c.id == person_id)
        ).scalar_one()
    storage.objects.put(screenshot_key(pseudonym, 1_780_000_000, 1), b"sealed")
    start = time.perf_counter()
    with storage.engine.begin() as connection:
        report = erase_subject(
            connection, storage.objects, vault, person_id, actor="bench", now=NOW
        )
    vault.settle()
    erased = time.perf_counter()
    cleared = settle_copies(storage, report, "bench", NOW)
    if cleared["database"].get("older_snapshots"):
        print("  (the vacuum waited for another session's snapshot)", file=sys.stderr)
    return erased - start, time.perf_counter() - erased


def measure(size: int, minutes: int, repeat: int, postgres: str | None) -> dict[str, Any]:
    """Median erasure with and without the epoch's end, on a fresh installation."""
    with installation(size, minutes, postgres) as storage:
        vault = storage.vault
        with storage.engine.connect() as connection:
            ids = list(connection.execute(select(people.c.id).order_by(people.c.id)).scalars())
            backend = connection.dialect.name
        with_epoch: list[tuple[float, float]] = []
        baseline: list[tuple[float, float]] = []
        for i in range(repeat):
            master = open_key_store(storage.settings, storage.engine).load(storage.engine)
            baseline.append(erase_one(storage, NoEpochVault(storage.engine, master), ids[2 * i]))
            with_epoch.append(erase_one(storage, vault, ids[2 * i + 1]))
    total = statistics.median(e + c for e, c in with_epoch)
    bare = statistics.median(e + c for e, c in baseline)
    erase = statistics.median(e for e, _ in with_epoch)
    erase_bare = statistics.median(e for e, _ in baseline)
    return {
        "backend": backend,
        "people": size,
        "minute_rows": size * minutes,
        "total_s": round(total, 3),
        "erase_s": round(erase, 3),
        "settle_s": round(statistics.median(c for _, c in with_epoch), 3),
        "baseline_total_s": round(bare, 3),
        "baseline_erase_s": round(erase_bare, 3),
        "ratio": round(total / bare, 2),
        "erase_ratio": round(erase / erase_bare, 2),
        "samples_s": [[round(e, 3), round(c, 3)] for e, c in with_epoch],
        "baseline_samples_s": [[round(e, 3), round(c, 3)] for e, c in baseline],
    }


def main() -> None:
    """Run every size on every backend and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--minutes", type=int, default=60, help="minute rows per person")
    parser.add_argument(
        "--postgres", metavar="DSN", default=LOCAL_PG, help="server to create a database on"
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    results = []
    for postgres in (None,) if args.no_postgres else (None, args.postgres):
        for size in args.sizes:
            result = measure(size, args.minutes, args.repeat, postgres)
            results.append(result)
            print(
                f"{result['backend']:>10} {size:>6} people: erasure {result['total_s']:.3f} s "
                f"(erase {result['erase_s']:.3f} + settle {result['settle_s']:.3f}); "
                f"baseline without re-wrap {result['baseline_total_s']:.3f} s "
                f"(erase {result['baseline_erase_s']:.3f}), x{result['ratio']} "
                f"(erase alone x{result['erase_ratio']})",
                flush=True,
            )
    largest = max(r["total_s"] for r in results if r["people"] == max(args.sizes))
    print(json.dumps({"results": results, "target_s": TARGET_S, "ok": largest <= TARGET_S}))


if __name__ == "__main__":
    main()
