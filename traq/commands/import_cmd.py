"""`traq import activitywatch FILE --subject ID`: bring a person's ActivityWatch history in."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from traq.errors import CommandError

SOURCES = {
    "afk": "AFK watcher",
    "unlocks": "screen unlocks (no AFK watcher)",
    "window": "window time counted as active (no AFK watcher, as ActivityWatch counts it)",
}


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
        "(Settings > Export all buckets as JSON) as the person's spans and minute rows, "
        "counting time as ActivityWatch does (gaps up to 5 s filled, time away left out). "
        "Titles are sealed to the person's key; importing the same file again changes "
        "nothing, a newer export replaces what it covers; a bad file imports nothing. "
        "The summary says what the privacy filters dropped.",
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

    try:
        stream = args.file.open("rb")  # streamed: the export is never held whole in memory
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from exc
    storage = open_storage()
    try:
        with stream:
            report = import_activitywatch(storage.engine, stream, args.subject, datetime.now(UTC))
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from exc
    finally:
        storage.close()
    figures = report.as_dict()
    if args.json:
        print(json.dumps(figures, sort_keys=True))
        return 0
    print(
        f"imported {figures['minutes_written']} of {figures['minutes']} minutes and "
        f"{figures['spans_written']} of {figures['spans']} spans from {figures['hosts']} "
        f"host(s), replacing {figures['minutes_replaced']} minutes and "
        f"{figures['spans_replaced']} spans of an earlier import "
        f"({figures['skipped_buckets']} bucket(s) of other types skipped)"
    )
    for host, source in sorted(report.active_time.items()):
        print(f"  {host}: active time from {SOURCES.get(source, source)}")
    for rule, seconds in report.dropped_seconds.items():
        print(f"  dropped by {rule}: {seconds} s of active window time")
    return 0
