"""Publication benchmark: publishing one day, and the manager pages reading a 90-day period.

Builds (or reuses, with --data-dir) a demo of N employees over D days ending --end (the
demo publishes its closed days), then:

- publishes the last day again from scratch (its publication removed first; bench setup
  only): target <= 5 s for 1,000 people;
- computes every figure each manager page shows over the last D days (90 by default) from
  the publications, for a manager of one team and of every team, first call and warm
  (best of --repeat): target <= 1 s warm per page;
- the same pages as the guard computed them before publications (the privacy guard over
  person rows, run from --baseline in a subprocess on the same data), as the baseline of
  the ratio. The guard's pages left main with 7a08ead: check out its parent for it,
  ``git worktree add /tmp/base 7a08ead^`` and ``--baseline /tmp/base``.

Last line: one JSON object. Usage:
python benchmarks/bench_publish.py --employees 1000 --days 90 [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from analytics import overview as dashboard
from analytics.periods import Period
from analytics.publication.publish import publish_due
from storage.db.engine import open_engine
from storage.db.schema import publication_cells, publication_days, publication_units

ROOT = Path(__file__).resolve().parents[1]
PAGES: dict[str, list[str]] = {
    "overview": ["overview", "previous", "by_unit"],
    "trends": ["daily_lines", "weekly_lines", "heatmap"],
    "applications": ["categories", "top_apps"],
    "comparison": ["by_unit"],
}
# Today's pages: the same figures through the guard, on the baseline's code.
BASELINE = """
import json, sys, time
from datetime import UTC, date, datetime
from storage.db.engine import open_engine
from analytics import Guard, GuardRefused, Period
try:
    from analytics import overview as figures
    figures.by_team
except (ImportError, AttributeError):
    from app import dashboards as figures
engine = open_engine(sys.argv[1])
period = Period(date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3]))
teams = json.loads(sys.argv[4])
pages = json.loads(sys.argv[5])
names = {"by_unit": "by_team"}
out = {}
for page, parts in pages.items():
    best = []
    for attempt in range(int(sys.argv[6])):
        started = time.perf_counter()
        guard = Guard(engine, f"bench-{attempt}-{page}", datetime.now(UTC))
        for name in parts:
            try:  # a refused figure is a warning on the page: its time counts all the same
                if name == "previous":
                    figures.overview(engine, guard, figures.previous(period), teams)
                elif name == "weekly_lines":
                    figures.weekly_lines(engine, guard, period, teams, datetime.now(UTC))
                else:
                    getattr(figures, names.get(name, name))(engine, guard, period, teams)
            except GuardRefused:
                pass
        best.append(time.perf_counter() - started)
    out[page] = {"first_s": best[0], "warm_s": min(best[1:] or best)}
print(json.dumps(out))
"""


def build(data_dir: Path, args: argparse.Namespace) -> float | None:
    """Create the demo unless the folder holds one; the seconds it took."""
    if (data_dir / "traq.db").exists():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env |= {"TRAQ_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    demo = ["demo", "--employees", str(args.employees), "--days", str(args.days)]
    demo += ["--seed", str(args.seed), "--end", args.end, "--screenshot-days", "0"]
    started = time.perf_counter()
    for command in (["init"], demo):
        subprocess.run([sys.executable, "-m", "traq.main", *command], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def publish_one_day(url: str, day: date, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds to publish ``day`` from scratch (its publication deleted
    first): the CPU time shows the cost on a machine shared with other work."""
    engine = open_engine(url)
    times = []
    for _ in range(repeat):
        with engine.begin() as connection:
            for table in (publication_cells, publication_units, publication_days):
                connection.execute(delete(table).where(table.c.day == day))
        started, cpu = time.perf_counter(), time.process_time()
        report = publish_due(engine, datetime.now(UTC), until=day)
        times.append((time.perf_counter() - started, time.process_time() - cpu))
        assert report.days == [day], report.days
    engine.dispose()
    return min(times)


def time_pages(url: str, period: Period, teams: list[int], repeat: int) -> dict[str, Any]:
    """First and warm seconds of each page's figures from the publications."""
    engine = open_engine(url)
    calls: dict[str, Callable[[], object]] = {
        "previous": lambda: dashboard.overview(engine, dashboard.previous(period), teams),
    }
    out = {}
    for page, parts in PAGES.items():
        runs = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            for name in parts:
                call = calls.get(name) or (
                    lambda n=name: getattr(dashboard, n)(engine, period, teams)
                )
                call()
            runs.append(time.perf_counter() - started)
        out[page] = {"first_s": runs[0], "warm_s": min(runs[1:])}
    engine.dispose()
    return out


def baseline(
    url: str, period: Period, teams: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    """Today's pages on the baseline's code, in a subprocess (its own imports)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["PYTHONPATH"] = args.baseline
    days = [period.first.isoformat(), period.last.isoformat()]
    command = [sys.executable, "-c", BASELINE, url, *days]
    command += [json.dumps(teams), json.dumps(PAGES), str(args.repeat + 1)]
    result = subprocess.run(command, cwd=args.baseline, env=env, capture_output=True, text=True)
    if result.returncode:
        return {"error": result.stderr.strip().splitlines()[-1]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--end", default="2026-03-31")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument(
        "--baseline", default="/tmp/base", help="checkout of 7a08ead^ (the guard's pages)"
    )
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-publish-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    demo_s = build(data_dir, args)
    url = f"sqlite:///{data_dir / 'traq.db'}"
    last = date.fromisoformat(args.end)
    period = Period(last - timedelta(days=args.days - 1), last)
    publish_s, publish_cpu_s = publish_one_day(url, last, args.repeat)
    results: dict[str, Any] = {"employees": args.employees, "days": args.days, "demo_s": demo_s}
    results |= {"publish_one_day_s": publish_s, "publish_one_day_cpu_s": publish_cpu_s}
    engine = open_engine(url)
    with engine.connect() as connection:
        from analytics.loaders import load_people

        people = load_people(connection).collect()
    engine.dispose()
    biggest = people.group_by("team_id").len().sort("len", descending=True)["team_id"][0]
    for who, teams in (
        ("one_team", [int(biggest)]),
        ("every_team", sorted(people["team_id"].unique().to_list())),
    ):
        ours = time_pages(url, period, teams, args.repeat)
        theirs = baseline(url, period, teams, args)
        results[who] = {"publications": ours, "today": theirs}
        for page, figures in ours.items():
            today = theirs.get(page, {}).get("warm_s")
            ratio = f" ({figures['warm_s'] / today:.2f}x today's {today:.3f} s)" if today else ""
            first, warm = figures["first_s"], figures["warm_s"]
            print(f"{who:10} {page:12} first {first:.3f} s, warm {warm:.3f} s{ratio}")
    print(
        f"publish one day of {args.employees} people: {publish_s:.2f} s "
        f"(CPU {publish_cpu_s:.2f} s; target <= 5 s)"
    )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
