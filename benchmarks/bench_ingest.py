"""Ingest benchmark: storage-layer bulk writes and the envelope against the raw fastest paths.

Prints rows/s for 1,000,000 per-minute activity rows through `storage.db.bulk.bulk_insert`
into SQLite and PostgreSQL beside the raw paths in the same run (sqlite3 executemany in one
transaction; psycopg binary COPY), then envelope sealing of 200 payloads of 2 MB beside raw
AES-GCM. Targets: ours/raw >= 0.5 for rows, >= 0.8 for the envelope. Last line: JSON.

    python benchmarks/bench_ingest.py [--rows N] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, insert

from storage.crypto.envelope import Sealer, seal
from storage.db import schema
from storage.db.bulk import bulk_insert
from storage.db.engine import open_engine
from storage.db.migrate import upgrade_to_head
from storage.db.schema import MINUTE_COLUMNS as COLUMNS

PEOPLE = 100
START = 1_767_225_600  # 2026-01-01T00:00:00Z


def minute_rows(count: int) -> list[tuple[int, ...]]:
    """``count`` plausible minute rows spread over PEOPLE people, in key order."""
    per_person = count // PEOPLE
    return [
        (p, p, START + 60 * m, (m * 7) % 61, (m * 13) % 90, m % 11, (m * 17) % 400, m % 3)
        for p in range(1, PEOPLE + 1)
        for m in range(per_person)
    ]


def seed_people(engine: Engine) -> None:
    """People and devices the minute rows point at (foreign keys are on)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(schema.teams).values(id=1, name="Bench", department="Bench"))
        connection.execute(
            insert(schema.people),
            [
                {
                    "id": p,
                    "pseudonym": f"s_{p:016x}",
                    "display_name": f"P{p}",
                    "team_id": 1,
                    "timezone": "UTC",
                    "created_at": now,
                }
                for p in range(1, PEOPLE + 1)
            ],
        )
        connection.execute(
            insert(schema.devices),
            [
                {"id": p, "person_id": p, "name": "d", "platform": "linux", "created_at": now}
                for p in range(1, PEOPLE + 1)
            ],
        )


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def fresh_engine(url: str) -> Engine:
    """A migrated database with the bench people in it."""
    engine = open_engine(url)
    upgrade_to_head(engine)
    seed_people(engine)
    return engine


def ours(engine: Engine, rows: list[tuple[int, ...]]) -> None:
    """The storage layer's bulk path, one transaction."""
    with engine.begin() as connection:
        bulk_insert(connection, schema.activity_minutes, COLUMNS, rows)


def raw_sqlite(path: Path, rows: list[tuple[int, ...]]) -> None:
    """sqlite3 executemany in one transaction: the fastest plain path."""
    connection = sqlite3.connect(path)
    marks = ", ".join("?" for _ in COLUMNS)
    with connection:
        connection.executemany(
            f"INSERT INTO activity_minutes ({', '.join(COLUMNS)}) VALUES ({marks})", rows
        )
    connection.close()


def raw_copy(url: str, rows: list[tuple[int, ...]]) -> None:
    """psycopg binary COPY in one transaction."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            f"COPY activity_minutes ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "int4", "int8", "int2", "int4", "int4", "int4", "int4"])
            for row in rows:
                copy.write_row(row)


def bench_sqlite(rows: list[tuple[int, ...]]) -> dict[str, float]:
    """Ours vs raw on SQLite, each into its own fresh database file."""
    with tempfile.TemporaryDirectory() as folder:
        ours_engine = fresh_engine(f"sqlite:///{folder}/ours.db")
        ours_s = timed(lambda: ours(ours_engine, rows))
        fresh_engine(f"sqlite:///{folder}/raw.db").dispose()
        raw_s = timed(lambda: raw_sqlite(Path(folder) / "raw.db", rows))
        ours_engine.dispose()
    return _figures("sqlite", len(rows), ours_s, raw_s)


def pg_schema(dsn: str) -> Iterator[str]:
    """A throwaway schema; yields its URL."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield f"{dsn}?options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def bench_postgres(dsn: str, rows: list[tuple[int, ...]]) -> dict[str, float]:
    """Ours vs raw COPY on PostgreSQL, each into its own fresh schema."""
    ours_gen, raw_gen = pg_schema(dsn), pg_schema(dsn)
    ours_url, raw_url = next(ours_gen), next(raw_gen)
    try:
        ours_engine = fresh_engine(ours_url)
        ours_s = timed(lambda: ours(ours_engine, rows))
        ours_engine.dispose()
        fresh_engine(raw_url).dispose()
        raw_s = timed(lambda: raw_copy(raw_url, rows))
    finally:
        for generator in (ours_gen, raw_gen):
            next(generator, None)
    return _figures("postgresql", len(rows), ours_s, raw_s)


def _figures(name: str, count: int, ours_s: float, raw_s: float) -> dict[str, float]:
    figures = {
        f"{name}_ours_rows_per_s": count / ours_s,
        f"{name}_raw_rows_per_s": count / raw_s,
        f"{name}_ratio": raw_s / ours_s,
    }
    print(
        f"{name:<11} ours {count / ours_s:>12,.0f} rows/s   raw {count / raw_s:>12,.0f} rows/s"
        f"   ours/raw {raw_s / ours_s:.2f}"
    )
    return figures


def bench_envelope(count: int = 200, size: int = 2 * 1024 * 1024) -> dict[str, float]:
    """Sealing ``count`` payloads of ``size`` bytes: Sealer and one-shot vs raw AES-GCM."""
    payloads = [os.urandom(size) for _ in range(count)]
    public = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    nonce = os.urandom(12)
    sealer = Sealer(public, "k_bench")
    results: dict[str, float] = {}
    for _ in range(2):  # the first round warms caches; keep the second
        raw_s = timed(lambda: [aead.encrypt(nonce, p, None) for p in payloads])
        sealer_s = timed(lambda: [sealer.seal(f"o/{i}", p) for i, p in enumerate(payloads)])
        oneshot_s = timed(
            lambda: [seal(public, "k_bench", f"o/{i}", p) for i, p in enumerate(payloads)]
        )
        results = {
            "envelope_raw_mb_per_s": count * size / raw_s / 1e6,
            "envelope_sealer_mb_per_s": count * size / sealer_s / 1e6,
            "envelope_oneshot_mb_per_s": count * size / oneshot_s / 1e6,
            "envelope_ratio": raw_s / sealer_s,
            "envelope_oneshot_ratio": raw_s / oneshot_s,
        }
    print(
        f"envelope    sealer {results['envelope_sealer_mb_per_s']:>8,.0f} MB/s   "
        f"one-shot {results['envelope_oneshot_mb_per_s']:>8,.0f} MB/s   "
        f"raw AES-GCM {results['envelope_raw_mb_per_s']:>8,.0f} MB/s   "
        f"ours/raw {results['envelope_ratio']:.2f} "
        f"(one-shot {results['envelope_oneshot_ratio']:.2f})"
    )
    return results


def main() -> None:
    """Run every part and print the JSON summary last."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rows = minute_rows(args.rows)
    figures = {"rows": len(rows), **bench_sqlite(rows), **bench_postgres(args.pg, rows)}
    figures.update(bench_envelope())
    figures["targets_met"] = (
        figures["sqlite_ratio"] >= 0.5
        and figures["postgresql_ratio"] >= 0.5
        and figures["envelope_ratio"] >= 0.8
    )
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
