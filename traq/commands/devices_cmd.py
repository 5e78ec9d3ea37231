"""`traq devices`: enrolment codes for collectors, the list of devices, revocation."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from traq.errors import CommandError


def register(sub: Any) -> None:
    """Add the `devices` command group."""
    parser = sub.add_parser("devices", help="enrol, list and revoke collector devices")
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    code = actions.add_parser(
        "enrol-code", help="print a one-time code that enrols one device of a person"
    )
    code.add_argument("--person", required=True, metavar="ID", help="person id or pseudonym")
    code.add_argument(
        "--valid-hours", type=float, default=24.0, help="hours the code stays valid (default 24)"
    )
    code.set_defaults(run=run_code)
    listing = actions.add_parser("list", help="list devices and whether their token is live")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(run=run_list)
    revoke = actions.add_parser("revoke", help="revoke a device's token (it can send no more)")
    revoke.add_argument("device", type=int, metavar="DEVICE_ID", help="id from `traq devices list`")
    revoke.set_defaults(run=run_revoke)


def run_code(args: argparse.Namespace) -> int:
    """Create and print a one-time enrolment code."""
    from ingest import enrolment
    from storage import devices
    from storage.facade import open_storage

    if not 0 < args.valid_hours <= 24 * 30:
        raise CommandError("--valid-hours must be more than 0 and at most 720")
    storage = open_storage()
    try:
        with storage.engine.begin() as conn:
            person_id, pseudonym = enrolment.find_person(conn, args.person)
            valid = timedelta(hours=args.valid_hours)
            code = devices.create_code(conn, person_id, datetime.now(UTC), valid)
    finally:
        storage.close()
    print(code)
    print(f"one-time code for {pseudonym}, valid {args.valid_hours:g} h: `traq collect --enrol`")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print every device."""
    from storage import devices
    from storage.facade import open_storage

    storage = open_storage()
    try:
        with storage.engine.connect() as conn:
            rows = devices.list_devices(conn)
    finally:
        storage.close()
    for row in rows:
        state = "revoked" if row["revoked_at"] else ("enrolled" if row["enrolled"] else "local")
        if args.json:
            print(json.dumps({**{k: _plain(v) for k, v in row.items()}, "state": state}))
        else:
            seen = row["last_seen_at"].isoformat(timespec="seconds") if row["last_seen_at"] else "-"
            print(
                f"{row['id']:>6}  {row['pseudonym']}  {state:<8}  last seen {seen}  {row['name']}"
            )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke one device's token."""
    from storage import devices
    from storage.facade import open_storage

    storage = open_storage()
    try:
        with storage.engine.begin() as conn:
            done = devices.revoke(conn, args.device, datetime.now(UTC))
    finally:
        storage.close()
    if not done:
        raise CommandError(f"no enrolled, unrevoked device {args.device}; see `traq devices list`")
    print(f"device {args.device} revoked; it can send nothing more")
    return 0


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
