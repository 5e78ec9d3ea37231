"""`traq retention purge|audit`: enforce the retention policy and prove it is enforced."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from traq.errors import CommandError


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=_as_of,
        metavar="DATE",
        help="act as if today were DATE (YYYY-MM-DD), to plan or test (default: today, UTC)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a summary"
    )


def register(sub: Any) -> None:
    """Add the `retention` command with its `purge` and `audit` actions."""
    parser = sub.add_parser(
        "retention",
        help="purge expired data and audit that nothing expired remains",
        description="Retention periods per data category come from the policies "
        "(retention_days); people on legal hold are never purged.",
    )
    actions = parser.add_subparsers(dest="action", required=True, help="the action to run")
    purge = actions.add_parser(
        "purge",
        help="delete every expired row and object (all versions), in batches",
        description="On PostgreSQL, months of minute activity and spans that expired whole "
        "are dropped as partitions; the audit log loses its oldest entries and keeps "
        "verifying from an anchor.",
    )
    _common(purge)
    purge.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
    )
    purge.add_argument(
        "--batch-size",
        type=int,
        default=5000,
        metavar="N",
        help="rows per transaction (default: 5000); a killed purge resumes where it stopped",
    )
    purge.set_defaults(run=run_purge)
    audit = actions.add_parser(
        "audit", help="check retention, erasure and every data contract; exit 1 on a violation"
    )
    _common(audit)
    audit.add_argument(
        "--html", type=Path, metavar="FILE", help="also write the DPO's report as HTML to FILE"
    )
    audit.add_argument(
        "--pdf",
        type=Path,
        metavar="FILE",
        help="also write the report as PDF to FILE (needs Playwright and Chromium)",
    )
    audit.set_defaults(run=run_audit)


def _retention_days(engine: Any) -> dict[str, int]:
    from storage.policies import DEFAULT_POLICIES, load_policies

    with engine.connect() as connection:
        stored = load_policies(connection)["retention_days"]
    return {**DEFAULT_POLICIES["retention_days"], **stored}


def run_purge(args: argparse.Namespace) -> int:
    """Purge what expired as of --as-of (default today)."""
    from services.retention.schedule import end_of, purge_installation
    from storage.facade import open_storage

    if args.batch_size < 1:
        raise CommandError(f"--batch-size must be at least 1, got {args.batch_size}")
    as_of = args.as_of or datetime.now(UTC).date()
    moment = datetime.now(UTC) if args.as_of is None else end_of(as_of)
    storage = open_storage()
    try:
        report = purge_installation(
            storage, as_of, moment, dry_run=args.dry_run, batch_size=args.batch_size
        )
    finally:
        storage.close()
    if args.json:
        print(json.dumps(report.as_dict(), sort_keys=True))
        return 0
    verb = "would remove" if args.dry_run else "removed"
    for category, counts in report.counts.items():
        detail = ", ".join(f"{n} {what}" for what, n in counts.items())
        print(f"{category}: {verb} {detail}")
    if report.unparsable_keys:  # the keys themselves: in --json, for the DPO
        print(
            f"{len(report.unparsable_keys)} object keys no rule dates (expired by default "
            "unless on legal hold); --json lists them"
        )
    return 0


def run_audit(args: argparse.Namespace) -> int:
    """Audit as of --as-of (default today); exit 1 on any violation."""
    from data_contracts.errors import ContractError
    from data_contracts.runner import validate_database  # imports Great Expectations
    from services.retention.audit import run_audit as audit
    from services.retention.report import render_html
    from storage.facade import open_storage

    as_of = args.as_of or datetime.now(UTC).date()
    storage = open_storage()
    try:
        try:
            contracts = [o.as_dict() for o in validate_database(storage.engine)]
        except ContractError as exc:
            raise CommandError(str(exc)) from exc
        report = audit(
            storage.engine, storage.objects, _retention_days(storage.engine), as_of, contracts
        )
    finally:
        storage.close()
    if args.html:
        try:
            args.html.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {args.html} ({exc.strerror})") from exc
    if args.pdf:
        from services.retention.report import write_pdf

        try:
            write_pdf(render_html(report), args.pdf)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps(report.as_dict(), sort_keys=True, default=str))
    else:
        for check in report.checks:
            print(f"{'ok  ' if check.ok else 'FAIL'}  {check.category}: {check.name}")
        print(
            "audit passed"
            if report.success
            else f"audit FAILED: {', '.join(dict.fromkeys(c.category for c in report.violations))}"
        )
    return 0 if report.success else 1
