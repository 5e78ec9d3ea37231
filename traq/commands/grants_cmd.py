"""`traq grants give|list|revoke`: the DPO's grants of per-person rows to a named account.

DPO only, and only from the OS account linked to the DPO's workbench account (or root with
``--root-override``, recorded): see README, "Who ran a command". Each grant and revocation is
written to the audit log with the OS account that ran the command.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from traq.acting import acting_session, add_actor_options
from traq.errors import CommandError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from services.rights import Actor

Handler = Callable[["Connection", "Actor", argparse.Namespace, datetime], Any]


def register(sub: Any) -> None:
    """Add the `grants` command group."""
    parser = sub.add_parser(
        "grants", help="DPO: grant, list and revoke per-person rows for a data team's account"
    )
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    common = argparse.ArgumentParser(add_help=False)
    add_actor_options(common, "the DPO's account (run as the OS user linked to it)")
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    give = actions.add_parser(
        "give", help="grant an account the per-person rows of a period", parents=[common]
    )
    give.add_argument("--account", required=True, metavar="NAME", help="who receives the grant")
    give.add_argument("--purpose", required=True, metavar="TEXT", help="what the rows are for")
    days = {"required": True, "metavar": "DATE"}
    give.add_argument("--from", dest="first", help="first day covered (YYYY-MM-DD)", **days)
    give.add_argument("--to", dest="last", help="last day covered (YYYY-MM-DD)", **days)
    give.add_argument(
        "--until", metavar="DATE", help="last day the grant may be used (default: --to)"
    )
    give.set_defaults(run=_runner(_give))
    listing = actions.add_parser("list", help="every grant and its state", parents=[common])
    listing.set_defaults(run=_runner(_list))
    revoke = actions.add_parser("revoke", help="end a grant at once", parents=[common])
    revoke.add_argument("grant", type=int, metavar="GRANT_ID", help="the grant's id")
    revoke.set_defaults(run=_runner(_revoke))


def parse_day(text: str, option: str) -> date:
    """A YYYY-MM-DD day, or a one-line CommandError naming ``option``."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{option} takes a day as YYYY-MM-DD, got {text!r}") from exc


def _runner(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        now = datetime.now(UTC)
        with acting_session(args.username, args.root_override, f"grants {args.action}") as (
            _storage, connection, actor,
        ):  # fmt: skip
            result = handler(connection, actor, args, now)
        _print(result, args.json)
        return 0

    return run


def _print(result: Any, as_json: bool) -> None:
    items = result if isinstance(result, list) else [result]
    if as_json:
        print(json.dumps(result, sort_keys=True))
        return
    for item in items:
        print(
            f"#{item['id']} {item['state']} account={item['account']} "
            f"days={item['from']}..{item['to']} until={item['usable_until']} "
            f"purpose={item['purpose']}"
        )


def _give(c: Connection, actor: Actor, a: argparse.Namespace, now: datetime) -> Any:
    from services.grants import give_grant

    period = (parse_day(a.first, "--from"), parse_day(a.last, "--to"))
    until = parse_day(a.until, "--until") if a.until else None
    return give_grant(c, actor, a.account, a.purpose, period, now, until).to_json(now)


def _list(c: Connection, actor: Actor, _a: argparse.Namespace, now: datetime) -> Any:
    from services.grants import list_grants

    return list_grants(c, actor, now)


def _revoke(c: Connection, actor: Actor, a: argparse.Namespace, now: datetime) -> Any:
    from services.grants import revoke_grant

    return revoke_grant(c, actor, a.grant, now).to_json(now)
