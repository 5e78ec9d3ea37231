"""`traq rollups rebuild`: recompute every 10-minute and daily rollup from minute rows."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress


def register(sub: Any) -> None:
    """Add the `rollups` command and its `rebuild` action."""
    parser = sub.add_parser(
        "rollups",
        help="maintain the pre-aggregated rollups that dashboards read",
        description="Rollups are kept current at ingest; rebuild them after an import, a "
        "repair or a change to how they are computed.",
    )
    actions = parser.add_subparsers(dest="action", required=True, help="the action to run")
    rebuild = actions.add_parser(
        "rebuild",
        help="recompute every person's 10-minute, daily and per-application rollups",
        description="Recompute every rollup from minute rows and application spans, one "
        "batch of people per transaction.",
    )
    rebuild.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary line"
    )
    rebuild.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Rebuild every rollup of the installation named by the environment."""
    from storage.facade import open_storage
    from storage.rollups import rebuild_all_rollups

    storage = open_storage()
    started = time.perf_counter()
    try:
        if args.json:
            counts = rebuild_all_rollups(storage.engine)
        else:
            with _progress_bar() as bar:
                task = bar.add_task("people", total=None)
                counts = rebuild_all_rollups(
                    storage.engine,
                    lambda done, total: bar.update(task, completed=done, total=total),
                )
    finally:
        storage.close()
    seconds = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps({**counts, "seconds": seconds}, sort_keys=True))
    else:
        print(
            f"rebuilt rollups of {counts['people']} people in {seconds} s: "
            f"{counts['activity_10min']} 10-minute slots, {counts['activity_daily']} days, "
            f"{counts['app_daily']} application days"
        )
    return 0


def _progress_bar() -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]traq rollups rebuild"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("people"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
