"""Rights benchmark: export and erasure of one person, beside a full scan of the minute table.

On the large demo (default 1,000 people, 90 days; reused with --data-dir, built otherwise)
and, in the same run, on a small one (default 20 people, 90 days; reused with --small-dir):

- export: the access-request ZIP of one person (gather, decrypt titles and screenshots,
  JSON, CSV, ActivityWatch, HTML summary, manifest), produced by the DPO;
- erasure: the whole approved erasure request (objects, keys, rows, audit redaction and
  tombstone), committed;
- scan: ``SELECT count(*), sum(active_seconds) FROM activity_minutes``, for scale.

Each run exports and erases ``--repeat`` people (default 3) on each demo; the figures are
the medians (every sample is listed too), since the machine may be shared.
The subject is the newest employee who still has screenshots and no legal hold, so each run
erases a different person and the benchmark can run again on the same installation.
Targets: erasure <= 2 s and about the same on both demos, export <= 10 s.
Last line: one JSON object with the figures.

    python benchmarks/bench_rights.py [--data-dir DIR] [--small-dir DIR]
        [--employees 1000] [--days 90] [--small-employees 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from services.rights import erase_for_request, file_request, load_actor, transition
from services.rights.export import export_request
from storage.config import load_settings
from storage.db.schema import people, screenshots, users
from storage.facade import Storage, open_storage

ROOT = Path(__file__).resolve().parents[1]

DPO = "ilse.marchetti"
TARGETS = {"erasure_s": 2.0, "export_s": 10.0}


def build(folder: Path, employees: int, days: int) -> None:
    """`traq init` and `traq demo` in ``folder`` unless it already holds an installation."""
    if (folder / "traq.db").exists():
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["TRAQ_DATA_DIR"] = str(folder)
    for args in (
        ["init"],
        ["demo", "--employees", str(employees), "--days", str(days), "--seed", "1",
         "--end", "2026-03-31"],
    ):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "traq.main", *args], cwd=ROOT, env=env,
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode:
            sys.exit(f"traq {args[0]} failed: {result.stderr.strip()}")


def subject(engine: Engine) -> tuple[str, int]:
    """The newest employee still present with screenshots and no legal hold."""
    query = (
        select(users.c.username, people.c.id)
        .join(people, people.c.id == users.c.person_id)
        .where(
            users.c.role == "employee",
            people.c.legal_hold_reason.is_(None),
            select(screenshots.c.person_id).where(screenshots.c.person_id == people.c.id).exists(),
        )
        .order_by(people.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        sys.exit("nobody left to erase in this installation")
    return str(row.username), int(row.id)


def approved(storage: Storage, username: str, person_id: int, kind: str) -> int:
    """File a request of ``kind`` as the person and approve it as the DPO; its id."""
    now = datetime.now(UTC)
    with storage.engine.begin() as connection:
        request = file_request(connection, load_actor(connection, username), person_id, kind, now)
        transition(connection, load_actor(connection, DPO), request.id, "approve", now)
    return request.id


def time_export(storage: Storage, username: str, person_id: int) -> dict[str, Any]:
    """Seconds to produce one person's export ZIP (committed), and its size."""
    request_id = approved(storage, username, person_id, "access")
    start = time.perf_counter()
    with storage.engine.begin() as connection:
        dpo = load_actor(connection, DPO)
        archive = export_request(storage, connection, dpo, request_id, datetime.now(UTC))
    return {"export_s": time.perf_counter() - start, "export_mb": len(archive) / 1e6}


def time_erasure(storage: Storage, username: str, person_id: int) -> dict[str, Any]:
    """Seconds to carry out one approved erasure request (committed), and what it removed."""
    request_id = approved(storage, username, person_id, "erasure")
    start = time.perf_counter()
    with storage.engine.begin() as connection:
        dpo = load_actor(connection, DPO)
        _, report = erase_for_request(storage, connection, dpo, request_id, datetime.now(UTC))
    seconds = time.perf_counter() - start
    return {
        "erasure_s": seconds,
        "rows_erased": sum(report.rows_deleted.values()),
        "objects_purged": report.objects_purged,
    }


def time_scan(engine: Engine) -> dict[str, Any]:
    """Seconds for a full scan of the minute table: a count and a sum."""
    start = time.perf_counter()
    with engine.connect() as connection:
        rows, active = connection.execute(
            text("SELECT count(*), sum(active_seconds) FROM activity_minutes")
        ).one()
    return {"scan_s": time.perf_counter() - start, "minute_rows": int(rows), "active": int(active)}


def measure(folder: Path, repeat: int) -> dict[str, Any]:
    """Scan once, then export and erase ``repeat`` people (one after the other) of the
    installation in ``folder``; medians and every sample."""
    storage = open_storage(load_settings({"TRAQ_DATA_DIR": str(folder)}))
    samples: list[dict[str, Any]] = []
    try:
        figures = time_scan(storage.engine)
        for _ in range(repeat):
            username, person_id = subject(storage.engine)
            sample: dict[str, Any] = {"person_id": person_id}
            sample |= time_export(storage, username, person_id)
            sample |= time_erasure(storage, username, person_id)
            samples.append(sample)
        with storage.engine.connect() as connection:
            figures["people_left"] = len(connection.execute(select(people.c.id)).all())
    finally:
        storage.close()
    for name in ("export_s", "erasure_s", "export_mb", "rows_erased"):
        figures[name] = statistics.median(s[name] for s in samples)
    figures["samples"] = [{k: _round(v) for k, v in s.items()} for s in samples]
    return {k: _round(v) for k, v in figures.items()}


def _round(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def main() -> None:
    """Build or reuse both demos, measure, print the figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="reuse (or build) the large demo here")
    parser.add_argument("--small-dir", type=Path, help="reuse (or build) the small demo here")
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--small-employees", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="people exported and erased")
    args = parser.parse_args()
    large = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-rights-"))
    small = args.small_dir or Path(tempfile.mkdtemp(prefix="bench-rights-small-"))
    build(large, args.employees, args.days)
    build(small, args.small_employees, args.days)
    big, little = measure(large, args.repeat), measure(small, args.repeat)
    for name, figures in (("large", big), ("small", little)):
        print(f"{name}: {figures}", file=sys.stderr)
    result = {
        "employees": args.employees,
        "days": args.days,
        "small_employees": args.small_employees,
        "large": big,
        "small": little,
        "erasure_ratio_large_to_small": round(big["erasure_s"] / max(little["erasure_s"], 1e-3), 2),
        "targets": TARGETS,
        "met": big["erasure_s"] <= TARGETS["erasure_s"] and big["export_s"] <= TARGETS["export_s"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
