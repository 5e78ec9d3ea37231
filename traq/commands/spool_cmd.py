"""`traq spool status|retry`: what waits in this device's spool, and refused items sent again."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from traq.errors import CommandError

if TYPE_CHECKING:  # the collector is imported only when the command runs
    from collector.spool import Spool


def register(sub: Any) -> None:
    """Add the `spool` command group."""
    parser = sub.add_parser(
        "spool",
        help="what waits in this device's collector spool; resend items the service refused",
        description="The spool ($TRAQ_SPOOL_DIR, default <data dir>/spool) holds what the "
        "collector captured until the sink confirmed it. A batch the service refused for good "
        "is set aside there, so later batches flow; `retry` queues it again once the cause "
        "is fixed, and the next `traq collect` sends it.",
    )
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    for name, run, text in (
        ("status", run_status, "items waiting for upload and items set aside, with the reason"),
        ("retry", run_retry, "put every set-aside item back in the upload queue"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--json", action="store_true", help="print one JSON object")
        action.set_defaults(run=run)


def run_status(args: argparse.Namespace) -> int:
    """Print the pending counts and the set-aside items grouped by refusal."""
    from collector.spool.rejected import KIND_NAMES

    with _opened_spool() as spool:
        pending, groups = spool.counts(), spool.set_aside()
    if args.json:
        print(json.dumps({"pending": asdict(pending), "set_aside": [asdict(g) for g in groups]}))
        return 0
    print(
        f"waiting for upload: {pending.minutes} minute rows, {pending.spans} spans, "
        f"{pending.screenshots} screenshots"
    )
    if not groups:
        print("set aside: nothing")
    for group in groups:
        print(
            f"set aside: {group.count} {KIND_NAMES[group.kind]}, refused ({group.status}) "
            f"{_when(group.first_at)} to {_when(group.last_at)}: {group.reason}"
        )
    if groups:
        print("once the cause is fixed: `traq spool retry`, then `traq collect` sends them")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    """Queue every set-aside item again."""
    with _opened_spool() as spool:
        queued = spool.requeue()
    if args.json:
        print(json.dumps({"queued": asdict(queued)}))
    else:
        print(
            f"queued again: {queued.minutes} minute rows, {queued.spans} spans, "
            f"{queued.screenshots} screenshots; the next `traq collect` sends them"
        )
    return 0


@contextmanager
def _opened_spool() -> Iterator[Spool]:
    """This device's spool, refused in one line if there is none or it is damaged."""
    from collector.errors import CollectorError
    from collector.spool import Spool
    from collector.spool.device import spool_dir
    from collector.spool.store import SPOOL_FILE
    from storage.config import load_settings

    folder = spool_dir(os.environ, load_settings().data_dir)
    if not (folder / SPOOL_FILE).is_file():
        raise CommandError(
            f"no spool in {folder}: the collector has not run here (set TRAQ_SPOOL_DIR)"
        )
    try:
        spool = Spool(folder)
    except CollectorError as exc:
        raise CommandError(str(exc)) from exc
    try:
        yield spool
    finally:
        spool.close()


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
