"""`traq publish`: publish every closed local day not yet published (released once)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time
from typing import Any

from traq.errors import CommandError


def register(sub: Any) -> None:
    """Add the `publish` command."""
    parser = sub.add_parser(
        "publish",
        help="publish the statistics of closed days (what managers see)",
        description="Publish each local day once it has closed everywhere plus the grace "
        "for late uploads (policy `publication`, default 48 h). A published day never "
        "changes; running again publishes only new days.",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="publish what is due at the start of DATE (YYYY-MM-DD, UTC) instead of now",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary line"
    )
    parser.set_defaults(run=run)


def _now(as_of: str | None) -> datetime:
    if as_of is None:
        return datetime.now(UTC)
    try:
        return datetime.combine(date.fromisoformat(as_of), time(0), UTC)
    except ValueError:
        raise CommandError(f"--as-of must be a date as YYYY-MM-DD, got {as_of!r}") from None


def run(args: argparse.Namespace) -> int:
    """Publish the due days of the installation named by the environment."""
    from analytics.publication.publish import publish_due
    from storage.facade import open_storage

    now = _now(args.as_of)
    storage = open_storage()
    try:
        report = publish_due(storage.engine, now)
    finally:
        storage.close()
    if args.json:
        print(json.dumps(report.to_json(), sort_keys=True))
    elif report.days:
        print(
            f"published {len(report.days)} day(s), {report.days[0]} to {report.days[-1]}: "
            f"{report.shown} cells shown, {report.suppressed} suppressed"
        )
    else:
        print("nothing to publish: every closed day is published already")
    return 0
