"""Dashboard benchmark: the manager overview (`analytics.overview`), against DuckDB.

Builds (or reuses, with --data-dir) a demo of N employees over D days, rebuilds its rollups
with `storage.rollups`, and exports minute rows and spans once to Parquet. Then computes
every figure of the manager pages with `analytics.overview`, the very functions the pages
call (summary and per-team figures, daily lines, heatmap, categories and top applications
over the last 30 days; weekly lines over 90 days), from the rollups, through the privacy
guard: target <= 1.0 s. The same figures (daily lines, per-team work time and activity
level, weekly lines, category hours) by one hand-written DuckDB query over the Parquet files
of minute rows and spans check that the rollups and the overview compute what they say.

Best of --repeat runs each; figures are checked to agree. Last line: one JSON object.
Usage: python benchmarks/bench_dashboard.py --employees 1000 --days 90 [--data-dir DIR]
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
from datetime import time as clock
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from sqlalchemy import Engine, select

from analytics import overview
from analytics.guard import Guard, Released
from analytics.loaders import fetch, load_people
from analytics.periods import Period
from storage.db.engine import open_engine
from storage.db.schema import activity_minutes, app_spans
from storage.rollups import rebuild_all_rollups

ROOT = Path(__file__).resolve().parents[1]
EXPORT_BATCH = 50  # people per export query: bounds the Python rows held at once
RECENT_DAYS, TREND_DAYS = 30, 90  # the pages' default period, and the trends page's
# Figures checked against DuckDB: (overview function, key column, value a, value b).
CHECKED = (
    ("daily_lines", "day", "tracked_hours", "activity_level"),
    ("by_team", None, "tracked_hours", "activity_level"),
    ("weekly_lines", "week", "tracked_hours", "activity_level"),
    ("categories", "category", "hours", None),
)
# The manager overview by hand, in one DuckDB query over the exported minute rows and spans:
# same definitions as analytics.overview (local days in each person's zone, per-person
# figures, then means over people per team; category hours per person who used it).
DUCKDB_SQL = """
WITH m AS (
    SELECT m.person_id, p.team, m.minute, m.active_seconds,
        CAST(timezone(p.timezone, to_timestamp(m.minute)) AS DATE) AS day
    FROM read_parquet('{minutes}') AS m JOIN people AS p USING (person_id)
),
daily AS (
    SELECT person_id, team, day, 60 * count(*) AS tracked, sum(active_seconds) AS active
    FROM m WHERE day BETWEEN DATE '{trend_first}' AND DATE '{last}'
    GROUP BY ALL
),
recent AS (SELECT * FROM daily WHERE day >= DATE '{recent_first}'),
daily_lines AS (
    SELECT 'daily_lines' AS figure, team, CAST(day AS VARCHAR) AS key,
        avg(tracked) / 3600 AS a, avg(active / tracked) AS b
    FROM recent GROUP BY team, day
),
by_team AS (
    SELECT 'by_team' AS figure, team, NULL AS key, avg(tracked) / 3600 AS a, avg(level) AS b
    FROM (SELECT person_id, team, avg(tracked) AS tracked, sum(active) / sum(tracked) AS level
          FROM recent GROUP BY ALL)
    GROUP BY team
),
weekly_lines AS (
    SELECT 'weekly_lines' AS figure, team, CAST(CAST(week AS DATE) AS VARCHAR) AS key,
        avg(tracked) / 3600 AS a, avg(level) AS b
    FROM (SELECT person_id, team, date_trunc('week', day) AS week, avg(tracked) AS tracked,
              sum(active) / sum(tracked) AS level
          FROM daily GROUP BY ALL)
    GROUP BY team, week
),
spans AS (
    SELECT s.person_id, coalesce(s.site, s.app) AS label, s.end_ts - s.start_ts AS seconds
    FROM read_parquet('{spans}') AS s JOIN people AS p USING (person_id)
    WHERE CAST(timezone(p.timezone, to_timestamp(s.start_ts)) AS DATE)
        BETWEEN DATE '{recent_first}' AND DATE '{last}'
),
per_category AS (
    SELECT person_id, coalesce(c.category, 'uncategorised') AS category, sum(seconds) AS seconds
    FROM spans LEFT JOIN categories AS c USING (label)
    GROUP BY ALL
),
categories_out AS (
    SELECT 'categories' AS figure, NULL AS team, category AS key, avg(seconds) / 3600 AS a,
        NULL::DOUBLE AS b
    FROM per_category GROUP BY category
)
SELECT * FROM daily_lines
UNION ALL SELECT * FROM by_team
UNION ALL SELECT * FROM weekly_lines
UNION ALL SELECT * FROM categories_out
"""


def build(data_dir: Path, args: argparse.Namespace) -> dict[str, float]:
    """Create the demo (unless the folder holds one), rebuild rollups and export Parquet."""
    marker = data_dir / f".bench-{args.employees}x{args.days}-{args.seed}-{args.end}"
    if marker.exists():
        return {}
    figures = {} if _has_people(data_dir) else {"demo_s": _demo(data_dir, args)}
    engine = open_engine(f"sqlite:///{data_dir / 'traq.db'}")
    started = time.perf_counter()
    rebuild_all_rollups(engine)
    figures["rebuild_rollups_s"] = time.perf_counter() - started
    started = time.perf_counter()
    export(engine, data_dir)
    figures["export_parquet_s"] = time.perf_counter() - started
    engine.dispose()
    marker.write_text(json.dumps(figures))
    return figures


def _has_people(data_dir: Path) -> bool:
    if not (data_dir / "traq.db").exists():
        return False
    engine = open_engine(f"sqlite:///{data_dir / 'traq.db'}")
    try:
        return load_people(engine).collect().height > 0
    finally:
        engine.dispose()


def _demo(data_dir: Path, args: argparse.Namespace) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["TRAQ_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    demo = ["demo", "--employees", str(args.employees), "--days", str(args.days)]
    demo += ["--seed", str(args.seed), "--end", args.end, "--screenshot-days", "0"]
    for command in (["init"], demo):
        subprocess.run([sys.executable, "-m", "traq.main", *command], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def export(engine: Engine, data_dir: Path) -> None:
    """Minute rows and spans to Parquet (one file each), a batch of people at a time."""
    tables = {"minutes": activity_minutes, "spans": app_spans}
    with engine.connect() as connection:
        ids = load_people(connection).collect()["person_id"].to_list()
        for name, table in tables.items():
            columns = [c for c in table.c if c.name != "title_ct"]
            schema = {c.name: pl.String if c.name in ("app", "site") else pl.Int64 for c in columns}
            parts = []
            for first in range(0, len(ids), EXPORT_BATCH):
                batch = ids[first : first + EXPORT_BATCH]
                query = select(*columns).where(table.c.person_id.in_(batch))
                parts.append(fetch(connection, query, schema))
            pl.concat(parts).write_parquet(data_dir / f"{name}.parquet")


def periods(now: datetime) -> tuple[Period, Period]:
    """The recent and trend periods, each ending with the last complete day before ``now``."""
    return Period.last_days(RECENT_DAYS, now), Period.last_days(TREND_DAYS, now)


def ours(engine: Engine, now: datetime) -> dict[str, Released]:
    """Every figure of the manager pages, as the pages compute it (all teams)."""
    guard = Guard(engine, "bench", now)
    recent, trend = periods(now)
    teams = load_people(engine).collect()["team_id"].unique().to_list()
    figures = {
        name: getattr(overview, name)(engine, guard, recent, teams)
        for name in ("overview", "by_team", "daily_lines", "heatmap", "categories", "top_apps")
    }
    figures["weekly_lines"] = overview.weekly_lines(engine, guard, trend, teams, now)
    return figures


def duckdb_overview(engine: Engine, data_dir: Path, now: datetime) -> pl.DataFrame:
    """The same figures by one hand-written DuckDB query."""
    recent, trend = periods(now)
    guard = Guard(engine, "bench", now)
    people = load_people(engine).collect()
    categories = pl.DataFrame(
        list(guard.policy.app_categories.items()), schema=["label", "category"], orient="row"
    )
    connection = duckdb.connect()
    connection.register("people", people.to_arrow())
    connection.register("categories", categories.to_arrow())
    sql = DUCKDB_SQL.format(
        minutes=data_dir / "minutes.parquet", spans=data_dir / "spans.parquet",
        trend_first=trend.first, recent_first=recent.first, last=recent.last,
    )  # fmt: skip
    return pl.from_arrow(connection.sql(sql).to_arrow_table())  # type: ignore[return-value]


def best_of(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def long_form(figures: dict[str, Released]) -> pl.DataFrame:
    """Shown cells of the checked figures as (figure, team, key, a, b)."""
    parts = []
    for figure, key, a, b in CHECKED:
        shown = figures[figure].shown
        team = pl.col("team") if "team" in shown.columns else pl.lit(None, pl.String)
        parts.append(shown.select(
            pl.lit(figure).alias("figure"), team.alias("team"),
            (pl.col(key).cast(pl.String) if key else pl.lit(None, pl.String)).alias("key"),
            pl.col(a).alias("a"), (pl.col(b) if b else pl.lit(None, pl.Float64)).alias("b"),
        ))  # fmt: skip
    return pl.concat(parts)


def max_difference(ours: pl.DataFrame, theirs: pl.DataFrame) -> tuple[int, float]:
    """Cells compared and the largest absolute difference between the two."""
    joined = ours.join(theirs, on=["figure", "team", "key"], how="left", nulls_equal=True)
    gaps = joined.select(
        (pl.col("a") - pl.col("a_right")).abs().max().alias("a"),
        (pl.col("b") - pl.col("b_right")).abs().max().alias("b"),
        pl.col("a_right").is_null().sum().alias("missing"),
    ).row(0)
    worst = max(g for g in gaps[:2] if g is not None)
    return joined.height, float("inf") if gaps[2] else float(worst)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end", default="2026-03-31", help="last demo day, YYYY-MM-DD")
    parser.add_argument("--data-dir", type=Path, help="reuse (or create) the data here")
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args()


def main() -> int:
    """Run the benchmark; print figures and one JSON line."""
    args = _arguments()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="traq-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    built = build(data_dir, args)
    engine = open_engine(f"sqlite:///{data_dir / 'traq.db'}")
    now = datetime.combine(date.fromisoformat(args.end) + timedelta(days=1), clock(12), UTC)
    rollups_s, released = best_of(args.repeat, lambda: ours(engine, now))
    duck_s, duck = best_of(args.repeat, lambda: duckdb_overview(engine, data_dir, now))
    cells, worst = max_difference(long_form(released), duck)
    rows = pl.scan_parquet(data_dir / "minutes.parquet").select(pl.len()).collect().item()
    figures = {
        "employees": args.employees, "days": args.days, "minute_rows": rows, **built,
        "ours_rollups_s": rollups_s, "duckdb_minutes_s": duck_s,
        "ratio_rollups_vs_duckdb": rollups_s / duck_s,
        "cells_compared": cells, "max_abs_difference": worst,
    }  # fmt: skip
    figures["targets_met"] = rollups_s <= 1.0 and worst < 1e-6
    for name, value in figures.items():
        print(f"{name:>28}: {value:.3f}" if isinstance(value, float) else f"{name:>28}: {value}")
    engine.dispose()
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
