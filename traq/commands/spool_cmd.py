"""`traq spool status|retry`: what waits in this device's spool, and refused items sent again."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from traq.errors import CommandError


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
            f"set aside: {group.count} {_kind(group.kind)}, refused ({group.status}) "
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


class _opened_spool:  # noqa: N801 - used as a context manager, named like one
    """The spool of this device, refused with one line if there is none or it is damaged."""

    def __enter__(self) -> Any:
        from collector.errors import CollectorError
        from collector.run import spool_dir
        from collector.spool import Spool
        from collector.spool.store import SPOOL_FILE
        from storage.config import load_settings

        folder = spool_dir(os.environ, load_settings())
        if not (folder / SPOOL_FILE).is_file():
            raise CommandError(
                f"no spool in {folder}: the collector has not run here (set TRAQ_SPOOL_DIR)"
            )
        try:
            self.spool = Spool(folder)
        except CollectorError as exc:
            raise CommandError(str(exc)) from exc
        return self.spool

    def __exit__(self, *_exc: object) -> None:
        self.spool.close()


def _kind(kind: str) -> str:
    from collector.spool.rejected import KIND_NAMES

    return KIND_NAMES[kind]


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
