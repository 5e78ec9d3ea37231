"""The DPO's retention desk: the policy in force, the audit with its reports, the purge.

The app's retention pages call these; they wrap ``services.retention`` (which they never
change) with what a page needs besides: the merged policy, rows ready for a table, the
report as PDF bytes, and an audit-log entry for every purge a person starts. Great
Expectations is imported only when the audit validates (``services.datadocs``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from data_contracts import CONTRACTS
from services.errors import InvalidRequest
from services.retention import AuditReport, PurgeReport, render_html, run_audit
from services.retention import write_pdf as _write_pdf
from services.retention.schedule import end_of, purge_installation
from storage import audit
from storage.db.schema import retention_runs
from storage.facade import Storage
from storage.objects import ObjectStore
from storage.policies import DEFAULT_POLICIES, load_policies


@dataclass(frozen=True)
class AuditRun:
    """One audit as the page keeps it: the report, its HTML and PDF (or why there is none)."""

    report: AuditReport
    html: str
    pdf: bytes | None
    pdf_problem: str | None


def retention_policy(engine: Engine) -> dict[str, int]:
    """Days kept per retention category: the stored policy over the defaults."""
    with engine.connect() as connection:
        stored = load_policies(connection)["retention_days"]
    return {**DEFAULT_POLICIES["retention_days"], **stored}


def policy_rows(days: dict[str, int]) -> list[dict[str, Any]]:
    """One row per category: its period and the datasets it governs."""
    governs: dict[str, list[str]] = {"window_titles": ["app_spans (window titles only)"]}
    for contract in CONTRACTS.values():
        if contract.retention_key:
            governs.setdefault(contract.retention_key, []).append(contract.dataset)
    return [
        {"category": c, "kept (days)": n, "datasets": ", ".join(governs.get(c, []))}
        for c, n in days.items()
    ]


def pdf_bytes(html: str) -> bytes:
    """The report printed to PDF by headless Chromium (RuntimeError saying what is missing)."""
    with tempfile.TemporaryDirectory(prefix="traq-audit-") as folder:
        path = Path(folder) / "audit.pdf"
        _write_pdf(html, path)
        return path.read_bytes()


def audit_installation(
    engine: Engine,
    objects: ObjectStore,
    as_of: date,
    docs: Path,
    on_step: Callable[[str, float], object] = lambda _, __: None,
) -> AuditRun:
    """Validate every contract (rebuilding the Data Docs at ``docs``), audit, render.

    ``on_step`` hears what is being done and the fraction done so far (0 to 1).
    """
    from services.datadocs import validate_with_docs  # imports Great Expectations on use

    steps = len(CONTRACTS) + 2
    done = iter(range(steps))
    on_step("loading Great Expectations", 0.0)
    contracts = validate_with_docs(
        engine, docs, lambda d: on_step(f"validating {d}", next(done) / steps)
    )
    on_step("checking retention", next(done) / steps)
    report = run_audit(engine, objects, retention_policy(engine), as_of, contracts)
    html = render_html(report)
    on_step("printing the PDF", next(done) / steps)
    try:
        return AuditRun(report, html, pdf_bytes(html), None)
    except RuntimeError as exc:
        return AuditRun(report, html, None, str(exc))


def check_rows(report: AuditReport) -> list[dict[str, Any]]:
    """One row per check: verdict, category, oldest record against the limit, evidence."""
    rows = []
    for check in report.checks:
        evidence = check.evidence
        rows.append(
            {
                "check": check.name,
                "category": check.category,
                "result": "pass" if check.ok else "FAIL",
                "oldest (days)": evidence.get("oldest_age_days"),
                "limit (days)": evidence.get("limit_days"),
                "overdue": evidence.get("overdue"),
                "observed": _observed(evidence),
            }
        )
    return rows


def validation_rows(report: AuditReport) -> list[dict[str, Any]]:
    """One row per validated dataset: verdict and the failed expectations' observed values."""
    rows = []
    for contract in report.contracts:
        failed = [e for e in contract["expectations"] if not e["success"]]
        rows.append(
            {
                "dataset": contract["dataset"],
                "result": "pass" if contract["success"] else "FAIL",
                "expectations": len(contract["expectations"]),
                "failed (observed)": "; ".join(
                    f"{e['column']}: {e['expectation']} ({_observed(e['observed'])})"
                    for e in failed
                ),
                "validated at": contract["run_at"],
            }
        )
    return rows


def _observed(evidence: dict[str, Any]) -> str:
    shown = {k: v for k, v in evidence.items() if k not in ("limit_days", "oldest_age_days")}
    return "; ".join(f"{k}: {v}" for k, v in shown.items())


def preview_purge(storage: Storage, as_of: date) -> PurgeReport:
    """What a purge as of ``as_of`` would remove, departed people included (a dry run:
    nothing is deleted)."""
    return purge_installation(storage, as_of, end_of(as_of), dry_run=True)


def purge_now(storage: Storage, as_of: date, user_id: int, now: datetime) -> PurgeReport:
    """Purge what expired on ``as_of`` (and erase the people past their post-employment
    period) and log who did it; never as of a future date.

    A future ``as_of`` would delete data still within its retention period, so it is
    refused (InvalidRequest); the preview may look ahead, the purge may not.
    """
    if as_of > now.date():
        raise InvalidRequest(
            f"a purge may not act as of a future date ({as_of}); preview it instead"
        )
    report = purge_installation(storage, as_of, min(now, end_of(as_of)))
    engine = storage.engine
    totals = {c: sum(counts.values()) for c, counts in report.counts.items()}
    with engine.begin() as connection:
        audit.append(
            connection, audit.user_ref(user_id), "retention.purged", None,
            {"as_of": as_of.isoformat(), "removed": totals}, now,
        )  # fmt: skip
    return report


def count_rows(report: PurgeReport) -> list[dict[str, Any]]:
    """One row per category and kind of record, with its count."""
    return [
        {"category": category, "what": what, "count": n}
        for category, counts in report.counts.items()
        for what, n in counts.items()
    ]


def purge_history(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The latest purge runs (newest first): when, as of which day, what they removed."""
    t = retention_runs
    with engine.connect() as connection:
        runs = connection.execute(select(t).order_by(t.c.id.desc()).limit(limit)).all()
    return [
        {
            "started": r.started_at,
            "finished": r.finished_at,
            "as of": r.as_of,
            "removed": sum(sum(c.values()) for c in (r.counts or {}).values()),
            "counts": "; ".join(
                f"{cat}: " + ", ".join(f"{n} {what}" for what, n in c.items())
                for cat, c in (r.counts or {}).items()
            ),
        }
        for r in runs
    ]
