"""`traq contracts validate`: run every data contract's Great Expectations suite on the database."""

from __future__ import annotations

import argparse
import json
from typing import Any

from traq.errors import CommandError


def register(sub: Any) -> None:
    """Add the `contracts` command and its `validate` action."""
    parser = sub.add_parser(
        "contracts",
        help="check the stored data against its declared contracts",
        description="Each dataset has one declared contract (columns, types, ranges, allowed "
        "values, uniqueness, personal-data category, retention); its Great Expectations suite "
        "runs inside the database.",
    )
    actions = parser.add_subparsers(dest="action", required=True, help="the action to run")
    validate = actions.add_parser(
        "validate",
        help="run every contract (or those named) and print the results; exit 1 on a failure",
    )
    validate.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary"
    )
    validate.add_argument(
        "--dataset",
        action="append",
        metavar="NAME",
        help="validate only this dataset (repeatable; default: every contract)",
    )
    validate.set_defaults(run=run)


def describe(outcome: Any) -> str:
    """One line per contract: verdict, counts, and the failed checks by column."""
    total = len(outcome.expectations)
    if outcome.success:
        return f"ok    {outcome.dataset}: {total} expectations passed"
    failed = "; ".join(
        f"{e.column or '-'} {e.expectation.removeprefix('expect_')}" for e in outcome.failed
    )
    return f"FAIL  {outcome.dataset}: {len(outcome.failed)} of {total} failed: {failed}"


def run(args: argparse.Namespace) -> int:
    """Validate the installation named by the environment; exit 1 if a contract fails."""
    from data_contracts.errors import ContractError
    from data_contracts.runner import validate_database  # imports Great Expectations
    from storage.facade import open_storage

    storage = open_storage()
    try:
        outcomes = validate_database(storage.engine, args.dataset)
    except ContractError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        storage.close()
    success = all(o.success for o in outcomes)
    if args.json:
        report = {"success": success, "contracts": [o.as_dict() for o in outcomes]}
        print(json.dumps(report, sort_keys=True))
    else:
        for outcome in outcomes:
            print(describe(outcome))
        print(f"{sum(o.success for o in outcomes)} of {len(outcomes)} contracts hold")
    return 0 if success else 1
