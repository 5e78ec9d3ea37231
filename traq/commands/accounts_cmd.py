"""`traq accounts reset-password NAME`: a new one-time password, from the server.

The way back in when no admin can sign in (the only admin locked out, or its password
lost): whoever runs `traq` on the server can already read the database, so this grants
nothing new; the audit log records the OS account that ran it.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any


def register(sub: Any) -> None:
    """Add the `accounts` command group."""
    parser = sub.add_parser("accounts", help="workbench accounts: reset a password")
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    reset = actions.add_parser(
        "reset-password",
        help="print a new one-time password for an account (also lifts a sign-in lock); "
        "its user chooses their own at the next sign-in",
    )
    reset.add_argument("name", metavar="NAME", help="the account's username (any case)")
    reset.set_defaults(run=_reset)


def _reset(args: argparse.Namespace) -> int:
    from services.passwords import reset_password_by_name
    from storage.facade import open_storage
    from storage.os_accounts import running_os_account

    me = running_os_account()
    origin = {"os_user": me.name, "uid": me.uid, "program": "traq accounts reset-password"}
    storage = open_storage()
    try:
        name, password = reset_password_by_name(
            storage.engine, args.name, datetime.now(UTC), origin
        )
    finally:
        storage.close()
    print(f"account {name!r} one-time password (shown once; changed at next sign-in): {password}")
    return 0
