"""Retention benchmark on PostgreSQL: the full audit and a purge of one month.

Builds (once; reused with --keep DIR) the demo of N employees over D days ending --end in a
template database, brought to the state the earlier daily purges leave (a purge as of
--settled-as-of: screenshots and window titles past their limits gone, no month of minute
activity expired yet). Each run then copies the template (``CREATE DATABASE .. TEMPLATE``,
so the destructive purge is repeatable) and times, in one process:

- a bare ``SELECT count(*)`` over every table the audit reads (the floor);
- the full retention audit as of --audit-as-of, every data contract included (what
  `traq retention audit` does, Great Expectations import included): target <= 30 s;
- the purge as of --purge-as-of, on which exactly one month of minute activity and spans
  expires (partition drops): target <= 5 s.

Usage: python benchmarks/bench_retention.py --employees 1000 --days 90 --keep DIR
Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
SERVER = "postgresql://postgres@127.0.0.1:5432"


def _server() -> str:
    return os.environ.get("TRAQ_BENCH_SERVER", SERVER)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", default="2026-03-31", help="last demo day")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server URL (no database)")
    parser.add_argument("--name", default="bench_retention", help="database name prefix")
    parser.add_argument("--keep", type=Path, help="data folder to build once and reuse")
    parser.add_argument("--settled-as-of", type=date.fromisoformat, default=date(2026, 12, 31))
    parser.add_argument("--audit-as-of", type=date.fromisoformat, default=date(2026, 4, 1))
    parser.add_argument("--purge-as-of", type=date.fromisoformat, default=date(2027, 2, 1))
    parser.add_argument("--repeat", type=int, default=1, help="runs (best of each figure)")
    return parser.parse_args()


def _admin(sql: str) -> None:
    with psycopg.connect(f"{_server()}/postgres", autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def _exists(name: str) -> bool:
    with psycopg.connect(f"{_server()}/postgres") as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def _env(data_dir: Path, database: str) -> dict[str, str]:
    url = f"{_server().replace('postgresql://', 'postgresql+psycopg://')}/{database}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    return clean | {"TRAQ_DATA_DIR": str(data_dir), "TRAQ_DATABASE_URL": url}


def _traq(env: dict[str, str], *args: str) -> None:
    print("traq", *args, file=sys.stderr)
    subprocess.run([sys.executable, "-m", "traq.main", *args], cwd=ROOT, env=env, check=True)


def _open(env: dict[str, str]) -> Any:
    from storage.config import load_settings
    from storage.facade import open_storage

    return open_storage(load_settings(env))


def _build(opts: argparse.Namespace, data_dir: Path, template: str) -> None:
    """The demo in ``template``, migrated to head and settled (see the module docstring)."""
    from services.retention.purge import run_purge
    from storage.policies import DEFAULT_POLICIES

    marker = data_dir / f".{template}.ready"
    if marker.exists() and _exists(template):
        return
    if not _exists(template):
        _admin(f'CREATE DATABASE "{template}"')
    env = _env(data_dir, template)
    _traq(env, "init")  # creates, or migrates an existing database to head
    storage = _open(env)
    try:
        with storage.engine.connect() as connection:
            people = connection.execute(text("SELECT count(*) FROM people")).scalar_one()
        if not people:
            end = opts.end
            _traq(env, "demo", "--employees", str(opts.employees), "--days", str(opts.days),
                  "--seed", str(opts.seed), "--end", end)  # fmt: skip
        days = DEFAULT_POLICIES["retention_days"]
        run_purge(storage.engine, storage.objects, days, opts.settled_as_of, batch_size=50_000)
    finally:
        storage.close()
    with psycopg.connect(f"{_server()}/{template}", autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    marker.write_text("ok\n")


def _count_all(engine: Engine, tables: list[str]) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    with engine.connect() as connection:
        counts = {
            t: int(connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in tables
        }
    return time.perf_counter() - started, counts


def _audit(storage: Any, as_of: date) -> dict[str, Any]:
    started = time.perf_counter()
    from data_contracts.runner import validate_database  # imports Great Expectations
    from services.retention.audit import run_audit
    from storage.policies import DEFAULT_POLICIES

    imported = time.perf_counter()
    contracts = [o.as_dict() for o in validate_database(storage.engine)]
    validated = time.perf_counter()
    days = DEFAULT_POLICIES["retention_days"]
    report = run_audit(storage.engine, storage.objects, days, as_of, contracts)
    done = time.perf_counter()
    return {
        "audit_seconds": round(done - started, 2),
        "audit_gx_import_seconds": round(imported - started, 2),
        "audit_contracts_seconds": round(validated - imported, 2),
        "audit_checks_seconds": round(done - validated, 2),
        "audit_passed": report.success,
    }


def _purge(storage: Any, as_of: date) -> tuple[float, dict[str, Any]]:
    from services.retention.purge import run_purge
    from storage.policies import DEFAULT_POLICIES

    started = time.perf_counter()
    report = run_purge(storage.engine, storage.objects, DEFAULT_POLICIES["retention_days"], as_of)
    return time.perf_counter() - started, report.counts


def _one_run(opts: argparse.Namespace, data_dir: Path, template: str) -> dict[str, Any]:
    from data_contracts import CONTRACTS

    copy = f"{opts.name}_run"
    started = time.perf_counter()
    _admin(f'DROP DATABASE IF EXISTS "{copy}"')
    _admin(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    restore = time.perf_counter() - started
    storage = _open(_env(data_dir, copy))
    try:
        count_s, rows = _count_all(storage.engine, list(CONTRACTS))
        audit = _audit(storage, opts.audit_as_of)
        purge_s, purged = _purge(storage, opts.purge_as_of)
        _, after = _count_all(storage.engine, ["activity_minutes", "app_spans"])
    finally:
        storage.close()
    return {
        "restore_seconds": round(restore, 2),
        "count_seconds": round(count_s, 2),
        **audit,
        "purge_month_seconds": round(purge_s, 2),
        "purged": purged["activity_minutes"],
        "rows": rows,
        "rows_after_purge": after,
    }


def main() -> int:
    """Build or reuse the template, run the timings, print the JSON figures last."""
    opts = _options()
    os.environ["TRAQ_BENCH_SERVER"] = opts.server.rstrip("/")
    data_dir = (opts.keep or Path(f"/tmp/{opts.name}")).resolve()
    template = f"{opts.name}_template"
    _build(opts, data_dir, template)
    runs = [_one_run(opts, data_dir, template) for _ in range(max(1, opts.repeat))]
    best = {k: min(r[k] for r in runs) for k in runs[0] if k.endswith("_seconds")}
    figures = {
        "employees": opts.employees,
        "days": opts.days,
        **runs[-1],
        **best,
        "targets": {"audit_seconds": 30, "purge_month_seconds": 5},
        "audit_within_target": best["audit_seconds"] <= 30,
        "purge_within_target": best["purge_month_seconds"] <= 5,
        # The baseline, in this run: one bare count(*) over every table the audit reads.
        "audit_over_count": round(best["audit_seconds"] / best["count_seconds"], 1),
        "purge_month_over_count": round(best["purge_month_seconds"] / best["count_seconds"], 2),
    }
    for key, value in sorted(figures.items()):
        if key not in ("rows", "rows_after_purge", "purged"):
            print(f"{key:<28} {value}")
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
