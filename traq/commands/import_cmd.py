"""`traq import activitywatch FILE --subject ID`: bring a person's ActivityWatch history in."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from traq.errors import CommandError

MAX_FILE_BYTES = 2 * 1024**3  # an export is JSON read whole: refuse what cannot be parsed


def register(sub: Any) -> None:
    """Add the `import` command and its `activitywatch` source."""
    parser = sub.add_parser(
        "import",
        help="import another tracker's export into a person's data",
        description="Import activity recorded by another tracker.",
    )
    sources = parser.add_subparsers(dest="source", required=True, help="the tracker")
    aw = sources.add_parser(
        "activitywatch",
        help="an ActivityWatch export (aw-server or aw-server-rust)",
        description="Import window, AFK, web and input buckets of an ActivityWatch export "
        "(Settings > Export all buckets as JSON) as the person's spans and minute rows. "
        "Titles are sealed to the person's key; importing the same file again changes "
        "nothing; a bad file imports nothing.",
    )
    aw.add_argument("file", type=Path, metavar="FILE", help="the export's JSON file")
    aw.add_argument("--subject", required=True, metavar="ID", help="the person's pseudonym (s_…)")
    aw.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary line"
    )
    aw.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import ``args.file`` for ``args.subject`` into the installation."""
    from analytics.imports import import_activitywatch  # polars: only when the command runs
    from storage.facade import open_storage

    raw = _read(args.file)
    storage = open_storage()
    try:
        report = import_activitywatch(storage.engine, raw, args.subject, datetime.now(UTC))
    finally:
        storage.close()
    figures = report.as_dict()
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    else:
        print(
            f"imported {figures['minutes_written']} of {figures['minutes']} minutes and "
            f"{figures['spans_written']} of {figures['spans']} spans from {figures['hosts']} "
            f"host(s) ({figures['skipped_buckets']} bucket(s) of other types skipped)"
        )
    return 0


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // 1024**3} GiB")
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
