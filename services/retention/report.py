"""The retention audit as an HTML document a DPO can file (self-contained, no scripts)."""

from __future__ import annotations

import json
import os
import shutil
from html import escape
from pathlib import Path
from typing import Any

from services.retention.audit import AuditReport

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;"
    "margin:.5em 0 1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;"
    "vertical-align:top}.ok{color:#064}.fail{color:#a00;font-weight:bold}"
)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return escape(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return escape(json.dumps(value, sort_keys=True, default=str))
    return escape(str(value))


def _verdict(ok: bool) -> str:
    return '<span class="ok">pass</span>' if ok else '<span class="fail">VIOLATION</span>'


def _checks(report: AuditReport) -> str:
    rows = [
        [escape(c.name), escape(c.category), _verdict(c.ok), _text(c.evidence)]
        for c in report.checks
    ]
    return _table(["check", "category", "result", "evidence"], rows)


def _activities(report: AuditReport) -> str:
    keys = [
        "dataset",
        "purpose",
        "legal_basis",
        "data_subjects",
        "data_category",
        "recipients",
        "retention",
        "security_measures",
    ]
    rows = [[_text(a[k]) for k in keys] for a in report.activities]
    return _table([k.replace("_", " ") for k in keys], rows)


def _validations(report: AuditReport) -> str:
    rows = []
    for c in report.contracts:
        failed = [
            f"{e['column']}: {e['expectation']} {_text(e['observed'])}"
            for e in c["expectations"]
            if not e["success"]
        ]
        rows.append(
            [
                escape(c["suite"]),
                escape(c["table"]),
                escape(c["run_at"]),
                _verdict(c["success"]),
                str(len(c["expectations"])),
                escape("; ".join(failed)) or "-",
            ]
        )
    return _table(["suite", "table", "run at", "result", "expectations", "failed (observed)"], rows)


def _deletions(report: AuditReport) -> str:
    runs = [
        [_text(r["started_at"]), _text(r["finished_at"]), _text(r["as_of"]), _text(r["counts"])]
        for r in report.deletions["purge_runs"]
    ]
    keys = [
        [_text(k["key_id"]), _text(k["destroyed_at"])] for k in report.deletions["keys_destroyed"]
    ]
    return _table(["purge started", "finished", "as of", "counts"], runs) + _table(
        ["key destroyed", "when"], keys
    )


def render_html(report: AuditReport) -> str:
    """The whole report: verdict, checks, Article 30 records, validations, deletions, sign-off."""
    rights = _table(list(report.rights), [[str(v) for v in report.rights.values()]])
    verdict = "PASSED" if report.success else f"FAILED ({len(report.violations)} violations)"
    sections = [
        f"<h1>Retention audit as of {report.as_of}</h1>",
        f"<p>Run at {escape(report.run_at)}. Verdict: <b>{verdict}</b></p>",
        "<h2>Checks</h2>",
        _checks(report),
        "<h2>Processing activities (Article 30 record)</h2>",
        _activities(report),
        "<h2>Evidence of validation (Great Expectations)</h2>",
        _validations(report),
        "<h2>Deletion evidence</h2>",
        _deletions(report),
        "<h2>Rights requests</h2>",
        rights,
        "<h2>Sign-off</h2><p>Reviewed by (DPO): ______________________ "
        "Date: ____________ Signature: ______________________</p>",
    ]
    body = "\n".join(sections)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Retention '
        f"audit {report.as_of}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def write_pdf(html: str, path: Path, chromium: str | None = None) -> None:
    """Print ``html`` to a PDF at ``path`` with headless Chromium (through Playwright).

    Raises RuntimeError saying what to install when Playwright or Chromium is missing.
    """
    executable = chromium or os.environ.get("TRAQ_CHROMIUM") or shutil.which("chromium")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        raise RuntimeError("--pdf needs Playwright: pip install playwright") from exc
    if executable is None:
        raise RuntimeError("--pdf needs Chromium: apt-get install chromium, or set TRAQ_CHROMIUM")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.set_content(html)
            page.pdf(path=str(path), format="A4", print_background=True)
            browser.close()
    except Error as exc:
        raise RuntimeError(f"Chromium could not print the report ({type(exc).__name__})") from exc
