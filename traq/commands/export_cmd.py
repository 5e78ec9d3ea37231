"""`traq export parquet`: the analytics tables as month-partitioned Parquet (the data lake)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storage.errors import ConfigError
from traq.errors import CommandError

if TYPE_CHECKING:
    from rich.progress import Progress

    from storage.objects import ObjectStore

DEFAULT_PREFIX = "lake/"  # inside the installation's own object store, beside subjects/


def register(sub: Any) -> None:
    """Add the `export` command and its `parquet` format."""
    parser = sub.add_parser(
        "export",
        help="export the analytics tables for other engines (data lake)",
        description="Write analytics tables (never screenshots or window titles) for "
        "polars, DuckDB, Spark or Trino.",
    )
    formats = parser.add_subparsers(dest="format", required=True, help="the format to write")
    parquet = formats.add_parser(
        "parquet",
        help="month-partitioned Parquet, incrementally (only months that changed)",
        description="Write people (pseudonymous ids, teams, time zones), activity minutes, "
        "application spans without titles and the rollups as hive-style "
        "<dataset>/month=YYYY-MM/part-*.parquet. People who restricted processing, objected "
        "or withdrew consent are left out, as in analytics.",
    )
    parquet.add_argument(
        "--to",
        metavar="URL",
        help="object store to write to: file:///path or s3://bucket/prefix "
        f"(default: the installation's store, under {DEFAULT_PREFIX})",
    )
    parquet.add_argument(
        "--full", action="store_true", help="rewrite every month, not only those that changed"
    )
    parquet.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary line"
    )
    parquet.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Export the lake of the installation named by the environment."""
    from analytics.lake import export_lake  # polars: only when the command runs
    from storage.facade import open_storage

    storage = open_storage()
    try:
        target, prefix = _target(args.to, storage.objects)
        if args.json:
            report = export_lake(storage.engine, target, datetime.now(UTC), prefix=prefix,
                                 full=args.full)  # fmt: skip
        else:
            with _progress_bar() as bar:
                task = bar.add_task("months", total=None)
                report = export_lake(
                    storage.engine, target, datetime.now(UTC), prefix=prefix, full=args.full,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )  # fmt: skip
    finally:
        storage.close()
    figures = report.as_dict()
    if args.json:
        print(json.dumps({**figures, "to": target.url, "prefix": prefix}, sort_keys=True))
    else:
        print(
            f"exported to {target.url}/{prefix}: {figures['months_written']} months written "
            f"({figures['rows_written']} rows), {figures['months_unchanged']} unchanged, "
            f"{figures['months_deleted']} deleted"
        )
    return 0


def _target(url: str | None, own: ObjectStore) -> tuple[ObjectStore, str]:
    from storage.objects import open_object_store

    if url is None:
        return own, DEFAULT_PREFIX
    try:
        return open_object_store(url), ""
    except ConfigError as exc:
        raise CommandError("--to must be file:///path or s3://bucket/prefix") from exc


def _progress_bar() -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]traq export parquet"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("months"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,  # an error after the bar started must still be one line
    )
