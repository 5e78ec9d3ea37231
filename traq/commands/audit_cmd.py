"""`traq audit verify`: check the audit log's hash chain (exit 1 on any tampering)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    """Add the `audit` command group."""
    parser = sub.add_parser("audit", help="check the append-only, hash-chained audit log")
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    check = actions.add_parser(
        "verify",
        help="verify every entry and link of the chain; exit 1 if any was changed, removed "
        "or reordered",
    )
    check.add_argument("--json", action="store_true", help="print the result as one JSON object")
    check.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the chain; print a summary (or JSON) and every problem found."""
    from storage.audit import verify
    from storage.facade import open_storage

    storage = open_storage()
    try:
        result = verify(storage.engine)
    finally:
        storage.close()
    if args.json:
        print(json.dumps(result.to_json(), sort_keys=True))
    elif result.ok:
        print(
            f"audit log intact: {result.entries} entries ({result.redacted} redacted by "
            f"erasure), head {result.head}"
        )
    else:
        print(f"audit log TAMPERED: {len(result.problems)} problem(s) in {result.entries} entries")
        for problem in result.problems:
            print(f"  entry {problem.seq}: {problem.reason}")
    return 0 if result.ok else 1
