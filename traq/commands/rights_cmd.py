"""`traq rights …`: file, list, show and work data-subject rights requests.

Every action names the acting account with ``--as USERNAME``; the analytics layer checks
what that account may do (a person: their own requests; the DPO: the queue) and writes each
step and each access to the audit log.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.errors import RightsError
from traq.acting import acting_session, add_actor_options
from traq.errors import CommandError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from services import rights
    from storage.facade import Storage

# The request kinds of storage.db.schema.REQUEST_KINDS, spelled here so that building the
# parser (for --help) does not load SQLAlchemy; tests/traq/test_startup.py checks they agree.
REQUEST_KINDS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "consent_withdrawal",
)
Handler = Callable[["Storage", "Connection", "rights.Actor", argparse.Namespace, datetime], Any]


def register(sub: Any) -> None:
    """Add the `rights` command group."""
    parser = sub.add_parser("rights", help="file, list, export, erase, rectify, restrict requests")
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    common = argparse.ArgumentParser(add_help=False)
    add_actor_options(
        common,
        "the account acting (a person for their own requests, or the DPO, whose actions run "
        "only from the OS user linked to the DPO's account)",
    )
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    for name, text, arguments, handler in _actions():
        action = actions.add_parser(name, help=text, parents=[common])
        arguments(action)
        action.set_defaults(run=_runner(handler))


def _request_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("request", type=int, metavar="REQUEST_ID", help="the request's id")


def _reason(required: bool) -> Callable[[argparse.ArgumentParser], None]:
    def add(parser: argparse.ArgumentParser) -> None:
        _request_id(parser)
        parser.add_argument(
            "--reason", required=required, help="why (recorded and shown to the requester)"
        )

    return add


def _file_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=REQUEST_KINDS, help="the right exercised")
    parser.add_argument(
        "--person", type=int, metavar="ID", help="whose data (default: the acting account's own)"
    )
    parser.add_argument(
        "--set", dest="fields", action="append", default=[], metavar="FIELD=VALUE",
        help="rectification: a corrected profile field (display_name, email, timezone)",
    )  # fmt: skip
    parser.add_argument(
        "--untracked", action="append", default=[], metavar="START/END",
        help="rectification: a time range wrongly tracked, ISO 8601 UTC, e.g. "
        "2026-03-30T09:00/2026-03-30T10:00",
    )  # fmt: skip
    parser.add_argument(
        "--identity-verification", metavar="TEXT",
        help="how the DPO verified the identity of someone who wrote in (filing on behalf)",
    )  # fmt: skip


def _list_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--open", action="store_true", help="only requests not yet closed")
    parser.add_argument("--kind", choices=REQUEST_KINDS, help="only requests of this kind")


def _extend_args(parser: argparse.ArgumentParser) -> None:
    _reason(True)(parser)
    parser.add_argument("--months", type=int, default=2, help="1 or 2 more months (default 2)")


def _export_args(parser: argparse.ArgumentParser) -> None:
    _request_id(parser)
    parser.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write the ZIP"
    )


def _person_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--person", type=int, required=True, metavar="ID", help="whose data")


def _hold_args(parser: argparse.ArgumentParser) -> None:
    _person_args(parser)
    parser.add_argument("--reason", required=True, help="why the data must be kept (a case)")


def _restrict_args(parser: argparse.ArgumentParser) -> None:
    whom = parser.add_mutually_exclusive_group(required=True)
    whom.add_argument("--person", type=int, metavar="ID", help="whose data (DPO's own decision)")
    whom.add_argument("--request", type=int, metavar="N", help="carry out a restriction request")


def _actions() -> list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Handler]]:
    return [
        ("file", "file a request (for yourself; the DPO on behalf of someone)", _file_args, _file),
        ("list", "the DPO queue, or your own requests; overdue first", _list_args, _list),
        ("show", "one request with its deadline (the access is audited)", _request_id, _show),
        ("review", "DPO: start reviewing a received request", _request_id, _step("review")),
        ("approve", "DPO: approve a request", _reason(False), _step("approve")),
        ("reject", "DPO: reject a request with a reason", _reason(True), _step("reject")),
        ("complete", "DPO: mark an approved request as completed", _request_id, _step("complete")),
        ("extend", "DPO: extend the deadline once by 1-2 months", _extend_args, _extend),
        (
            "export",
            "the ZIP of everything held, for an access/portability request",
            _export_args,
            _export,
        ),
        ("rectify", "DPO: apply an approved rectification", _request_id, _rectify),
        ("erase", "DPO: carry out an approved erasure request completely", _request_id, _erase),
        (
            "restrict",
            "DPO: restrict processing of a person's data (or carry out a restriction request)",
            _restrict_args,
            _restrict(True),
        ),
        ("lift", "DPO: lift a restriction of processing", _person_args, _restrict(False)),
        ("hold", "DPO: place a legal hold (blocks erasure and purge)", _hold_args, _hold(True)),
        ("release", "DPO: release a person's legal hold", _person_args, _hold(False)),
    ]


@dataclass(frozen=True)
class AfterCommit:
    """A handler's result to finish once its transaction committed (an erasure's copies)."""

    finish: Callable[[], Any]


def _runner(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        now = datetime.now(UTC)
        try:
            with acting_session(args.username, args.root_override, f"rights {args.action}") as (
                storage, connection, actor,
            ):  # fmt: skip
                result = handler(storage, connection, actor, args, now)
            if isinstance(result, AfterCommit):
                result = result.finish()  # the handler's transaction has committed
        except RightsError as exc:
            raise CommandError(str(exc)) from exc
        _print(result, args.json, now)
        return 0

    return run


def _print(result: Any, as_json: bool, now: datetime) -> None:
    from services import rights

    if isinstance(result, rights.Request):
        result = result.to_json(now)
    elif isinstance(result, list):
        result = [r.to_json(now) for r in result]
    if as_json:
        print(json.dumps(result, sort_keys=True, default=str))
        return
    for item in result if isinstance(result, list) else [result]:
        print(_line(item) if "kind" in item and "state" in item else json.dumps(item, default=str))


def _line(item: dict[str, Any]) -> str:
    flag = " OVERDUE" if item["overdue"] else " due soon" if item["due_soon"] else ""
    return (
        f"#{item['id']} {item['kind']} {item['state']} person={item['person_id']} "
        f"due={item['deadline'][:10]}{flag}"
    )


def _file(
    _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services import rights
    from services.rights.rectify import file_rectification

    person = a.person if a.person is not None else actor.person_id
    if person is None:
        raise CommandError("this account is not a person's own; name one with --person")
    if a.kind == "rectification":
        return file_rectification(
            c, actor, person, now, profile=_fields(a.fields), untracked=_ranges(a.untracked),
            identity_verification=a.identity_verification,
        )  # fmt: skip
    if a.fields or a.untracked:
        raise CommandError("--set and --untracked are for rectification requests only")
    return rights.file_request(
        c, actor, person, a.kind, now, identity_verification=a.identity_verification
    )


def _fields(pairs: list[str]) -> dict[str, str]:
    fields = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandError("--set takes FIELD=VALUE, e.g. --set display_name='Ada King'")
        fields[name] = value
    return fields


def _ranges(texts: list[str]) -> list[tuple[int, int]]:
    ranges = []
    for text in texts:
        try:
            start, end = (_epoch(part) for part in text.split("/"))
        except ValueError as exc:
            raise CommandError(
                "--untracked takes START/END in ISO 8601, e.g. 2026-03-30T09:00/2026-03-30T10:00"
            ) from exc
        ranges.append((start, end))
    return ranges


def _epoch(text: str) -> int:
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return int(moment.timestamp())


def _rectify(
    s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services.rights.rectify import apply_rectification

    return apply_rectification(s, c, actor, a.request, now)


def _list(
    _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services import rights

    return rights.list_requests(c, actor, now, open_only=a.open, kind=a.kind)


def _show(
    _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services import rights

    return rights.get_request(c, actor, a.request, now)


def _step(action: str) -> Handler:
    def handle(
        _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
    ) -> Any:
        from services import rights

        return rights.transition(
            c, actor, a.request, action, now, reason=getattr(a, "reason", None)
        )

    return handle


def _extend(
    _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services import rights

    try:
        return rights.extend(c, actor, a.request, a.months, a.reason, now)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _erase(
    s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services import rights

    request, report = rights.erase_for_request(s, c, actor, a.request, now)

    def settle() -> dict[str, Any]:
        cleared = rights.settle_erasure_copies(s, report, actor, now)
        return {"request": request.to_json(now), "erasure": {**report.to_json(), **cleared}}

    return AfterCommit(settle)


def _export(
    s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
) -> Any:
    from services.rights.export import export_request

    if a.out.exists():
        raise CommandError(f"{a.out} already exists; choose another --out")
    archive = export_request(s, c, actor, a.request, now)
    try:
        a.out.write_bytes(archive)
        a.out.chmod(0o600)
    except OSError as exc:
        raise CommandError(f"cannot write {a.out} ({exc.strerror})") from exc
    return {"request": a.request, "file": str(a.out), "bytes": len(archive)}


def _restrict(restricted: bool) -> Handler:
    def handle(
        _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
    ) -> Any:
        from services import rights

        if getattr(a, "request", None) is not None:
            request = rights.restrict_for_request(c, actor, a.request, now)
            return {"request": request.to_json(now), "restricted": True}
        rights.set_restriction(c, actor, a.person, restricted, now)
        return {"person_id": a.person, "restricted": restricted}

    return handle


def _hold(placed: bool) -> Handler:
    def handle(
        _s: Storage, c: Connection, actor: rights.Actor, a: argparse.Namespace, now: datetime
    ) -> Any:
        from services.rights.holds import set_legal_hold

        set_legal_hold(c, actor, a.person, a.reason if placed else None, now)
        return {"person_id": a.person, "legal_hold": placed}

    return handle
