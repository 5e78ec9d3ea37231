"""`traq doctor`: one line per check of the installation, exit 1 if any failed."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(sub: Any) -> None:
    """Add the `doctor` command."""
    parser = sub.add_parser(
        "doctor",
        help="check the database, object store, master key, policies, ingestion and clock",
        description="Run every check of this installation (as named by the TRAQ_* "
        "environment) and print one line each; exit 0 when all pass, 1 otherwise.",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of lines"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print every check's result; the exit status says whether all passed."""
    from storage.config import load_settings
    from traq.doctor import run_checks

    checks = run_checks(load_settings())
    if args.json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [vars(c) for c in checks]}))
    else:
        for check in checks:
            print(check.line())
    return 0 if all(check.ok for check in checks) else 1
