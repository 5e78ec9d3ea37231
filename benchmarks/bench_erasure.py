"""Erasure benchmark: one person erased among 1,000 and 10,000, with the epoch re-wrap.

For each size, a fresh installation (SQLite by default; ``--postgres DSN`` adds a run on
PostgreSQL) with that many people, each with a key pair under the current epoch, and a
screenshot object for the people erased. Each sample erases one person through
``storage.erasure.erase_subject`` (objects, key destruction, the epoch's end: a new master
key and epoch key, every remaining key re-wrapped, the old ones destroyed; rows, audit),
commits, and settles the master key file. The baseline erases another person in the same
process the same way but without ending the epoch (the behaviour before epochs), so the
ratio shows what the re-wrap costs. Medians of ``--repeat`` samples (default 3).
Target: <= 2 s at 10,000 people. Last line: one JSON object with the figures.

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

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, insert, select, text

from storage.config import load_settings
from storage.db.schema import people, subject_keys, teams
from storage.epochs import EpochChange, ensure_epoch
from storage.erasure import erase_subject
from storage.facade import Storage, open_storage
from storage.keystore import open_key_store
from storage.objects import screenshot_key
from storage.vault import KeyVault
from traq.main import main as traq_main

TARGET_S = 2.0
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class NoEpochVault(KeyVault):
    """The baseline: destroys the person's keys but leaves the epoch (no re-wrap)."""

    def end_epoch(self, connection: Connection, now: datetime) -> EpochChange:
        return EpochChange(0, 0, self.master_key_id)


@contextmanager
def installation(size: int, postgres: str | None) -> Iterator[Storage]:
    """A fresh installation with ``size`` people and keys; its key folder is temporary."""
    with tempfile.TemporaryDirectory(prefix="bench-erasure-") as folder:
        env = {"TRAQ_DATA_DIR": f"{folder}/data", "XDG_CONFIG_HOME": f"{folder}/config"}
        schema_name = None
        if postgres is not None:
            schema_name = f"bench_{uuid.uuid4().hex[:10]}"
            env["TRAQ_DATABASE_URL"] = f"{postgres}?options=-csearch_path%3D{schema_name}"
            _admin(postgres, f'CREATE SCHEMA "{schema_name}"')
        os.environ.update(env)
        try:
            with redirect_stdout(io.StringIO()):
                status = traq_main(["init"])
            if status != 0:
                sys.exit("traq init failed")
            storage = open_storage(load_settings(env))
            _populate(storage, size)
            yield storage
            storage.close()
        finally:
            if schema_name is not None:
                _admin(postgres or "", f'DROP SCHEMA "{schema_name}" CASCADE')


def _admin(dsn: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(statement)


def _populate(storage: Storage, size: int) -> None:
    """``size`` people, one key pair each under the current epoch, in bulk."""
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


def erase_one(storage: Storage, vault: KeyVault, person_id: int) -> float:
    """Seconds to erase ``person_id`` (one screenshot object), commit and settle."""
    with storage.engine.connect() as connection:
        pseudonym = connection.execute(
            select(people.c.pseudonym).where(people.c.id == person_id)
        ).scalar_one()
    storage.objects.put(screenshot_key(pseudonym, 1_780_000_000, 1), b"sealed")
    start = time.perf_counter()
    with storage.engine.begin() as connection:
        erase_subject(connection, storage.objects, vault, person_id, actor="bench", now=NOW)
    vault.settle()
    return time.perf_counter() - start


def measure(size: int, repeat: int, postgres: str | None) -> dict[str, Any]:
    """Median erasure with and without the epoch's end, on a fresh installation."""
    with installation(size, postgres) as storage:
        vault = storage.vault
        with storage.engine.connect() as connection:
            ids = list(connection.execute(select(people.c.id).order_by(people.c.id)).scalars())
            backend = connection.dialect.name
            if backend == "postgresql":
                connection.execute(text("ANALYZE"))
        with_epoch, baseline = [], []
        for i in range(repeat):
            master = open_key_store(storage.settings, storage.engine).load(storage.engine)
            baseline.append(erase_one(storage, NoEpochVault(storage.engine, master), ids[2 * i]))
            with_epoch.append(erase_one(storage, vault, ids[2 * i + 1]))
    erasure, bare = statistics.median(with_epoch), statistics.median(baseline)
    return {
        "backend": backend,
        "people": size,
        "erasure_s": round(erasure, 3),
        "baseline_no_rewrap_s": round(bare, 3),
        "ratio": round(erasure / bare, 2),
        "samples_s": [round(s, 3) for s in with_epoch],
        "baseline_samples_s": [round(s, 3) for s in baseline],
    }


def main() -> None:
    """Run every size (and PostgreSQL when asked) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="DSN", help="also run on this PostgreSQL server")
    args = parser.parse_args()
    results = []
    for postgres in (None, args.postgres) if args.postgres else (None,):
        for size in args.sizes:
            result = measure(size, args.repeat, postgres)
            results.append(result)
            print(
                f"{result['backend']:>10} {size:>6} people: erasure {result['erasure_s']:.3f} s "
                f"(baseline without re-wrap {result['baseline_no_rewrap_s']:.3f} s, "
                f"x{result['ratio']})",
                flush=True,
            )
    largest = max(r["erasure_s"] for r in results if r["people"] == max(args.sizes))
    print(json.dumps({"results": results, "target_s": TARGET_S, "ok": largest <= TARGET_S}))


if __name__ == "__main__":
    main()
