"""ActivityWatch import benchmark: a month of a heavy user against ``json.load`` of the file.

Generates an export of about ``--events`` events (default 200,000) with aw-core's ``Event``
model and aw-server's heartbeat merge (``tests/imports/aw_generate.py``: window, AFK and web
buckets), then, each in a fresh process so that peak memory is the step's own:

- ``json.load`` of the file: CPU seconds (the yardstick);
- our streaming parse and mapping (``read_export`` + ``map_host``): CPU, peak RSS
  (``resource.getrusage``) and peak Python allocations (``tracemalloc``);
- the whole ``traq import activitywatch`` command into a fresh SQLite installation (start,
  parse, map, seal titles, contracts, insert, rollups): wall, CPU and peak RSS of the
  process. On a shared machine wall time follows the load; CPU time does not.

Targets: whole import <= 10 s and <= 300 MB; parse+map CPU <= 5x ``json.load``'s.
Last line: JSON.

    python benchmarks/bench_aw_import.py [--events N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

EVENTS_PER_STRETCH = 0.97  # window + web + AFK events per generated window stretch (measured)
DAYS = 30


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(path: Path, events: int) -> dict[str, Any]:
    from tests.imports.aw_generate import Profile, write

    logging.disable(logging.WARNING)
    per_day = max(50, round(events / EVENTS_PER_STRETCH / DAYS))
    write(Profile(days=DAYS, stretches_per_day=per_day, mean_seconds=3.0, seed=20), path)
    document = json.loads(path.read_bytes())
    return {"events": sum(len(b["events"]) for b in document["buckets"].values())}


def _json_load(path: Path, _: int) -> dict[str, Any]:
    started = time.process_time()
    with path.open("rb") as f:
        json.load(f)
    return {"cpu_s": time.process_time() - started, "peak_mb": _peak_mb()}


def _parse_map(path: Path, _: int) -> dict[str, Any]:
    from analytics.imports.aw_format import read_export
    from analytics.imports.aw_mapping import MAPPED_TYPES, group_by_host, map_host

    def keep(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None]:
        return title, site

    def run() -> tuple[float, float, int]:
        started = time.process_time()
        with path.open("rb") as f:
            buckets = read_export(f)
        parsed = time.process_time()
        hosts = group_by_host(b for b in buckets if b.type in MAPPED_TYPES)
        spans = sum(len(map_host(h, bs, keep).spans) for h, bs in hosts.items())
        return parsed - started, time.process_time() - parsed, spans

    base_mb = _peak_mb()
    parse_s, map_s, spans = run()
    peak_mb = _peak_mb()
    tracemalloc.start()  # a second run: tracing slows allocation, so it is not timed
    run()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "parse_cpu_s": parse_s, "map_cpu_s": map_s, "cpu_s": parse_s + map_s, "spans": spans,
        "peak_mb": peak_mb, "before_mb": base_mb, "tracemalloc_peak_mb": traced / 1024**2,
    }  # fmt: skip


def _prepare(folder: Path, _: int) -> dict[str, Any]:
    """An initialised SQLite installation in ``folder`` with one person."""
    from tests.collector.install import installation

    with installation(folder, f"sqlite:///{folder}/traq.db") as install:
        return {"env": install.env, "subject": install.add_person("Europe/Berlin")}


def _cli_import(path: Path, folder: Path) -> dict[str, Any]:
    """``traq import activitywatch`` as a user runs it: wall time, and the CPU time and peak
    RSS of that one process (``os.wait4``), interpreter start and imports included."""
    prepared = _run_step("prepare", folder)
    command = [sys.executable, "-m", "traq.main", "import", "activitywatch", str(path),
               "--subject", prepared["subject"], "--json"]  # fmt: skip
    env = {**os.environ, **prepared["env"]}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)  # reaped here: its own rusage
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        errors.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"traq import failed: {errors.read().decode()[-500:]}")
    report = json.loads(out)
    return {
        "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024, "minutes": report["minutes_written"],
        "spans": report["spans_written"],
    }  # fmt: skip


STEPS = {"generate": _generate, "json": _json_load, "parse_map": _parse_map, "prepare": _prepare}


def _run_step(step: str, path: Path, events: int = 0) -> dict[str, Any]:
    """One step in a fresh interpreter started by this small one: Linux carries the peak
    RSS of a process over ``exec``, so the parent must stay small for each step's figure to
    be its own."""
    root = str(Path(__file__).resolve().parents[1])  # the generator lives in tests/
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--events", str(events), str(path)],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Generate, run each step, print the figures and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("file", nargs="?", type=Path)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step](args.file, args.events)))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "aw-export.json"
        events = _run_step("generate", path, args.events)["events"]
        size_mb = path.stat().st_size / 1024**2
        print(f"export: {events} events, {size_mb:.1f} MB")
        loaded = _run_step("json", path)
        mapped = _run_step("parse_map", path)
        imported = _cli_import(path, Path(folder) / "install")
    ratio = mapped["cpu_s"] / loaded["cpu_s"]
    whole = imported["cpu_s"] / loaded["cpu_s"]
    print(f"json.load:       {loaded['cpu_s']:.2f} s CPU, peak RSS {loaded['peak_mb']:.0f} MB")
    print(
        f"parse + map:     {mapped['cpu_s']:.2f} s CPU (parse {mapped['parse_cpu_s']:.2f}, map "
        f"{mapped['map_cpu_s']:.2f}), {ratio:.1f}x json.load (target <= 5), peak RSS "
        f"{mapped['peak_mb']:.0f} MB ({mapped['before_mb']:.0f} MB of it before reading), "
        f"tracemalloc peak {mapped['tracemalloc_peak_mb']:.0f} MB"
    )
    print(
        f"whole import:    {imported['wall_s']:.2f} s wall, {imported['cpu_s']:.2f} s CPU "
        f"({whole:.1f}x json.load), peak RSS {imported['peak_mb']:.0f} MB "
        f"(targets <= 10 s, <= 300 MB); {imported['minutes']} minutes, {imported['spans']} spans"
    )
    print(json.dumps({"events": events, "file_mb": round(size_mb, 1), "json_load": loaded,
                      "parse_map": mapped, "import": imported, "ratio_parse_map": ratio,
                      "ratio_import": whole}))  # fmt: skip


if __name__ == "__main__":
    main()
