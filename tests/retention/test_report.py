"""The DPO's report renders as HTML and as PDF (checked by rasterising its first page)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

from services.retention.audit import AuditReport, Check
from services.retention.report import render_html, write_pdf
from tests.fixtures.rigs import missing_rig


def _report() -> AuditReport:
    return AuditReport(
        as_of=date(2026, 4, 1),
        run_at="2026-04-01T00:00:00+00:00",
        checks=[
            Check("retention of screenshots", "screenshots", False, {"overdue": 3}),
            Check("data contracts hold", "contracts", True, {"validated": 1, "failed": []}),
        ],
        activities=[
            {
                "dataset": "screenshots",
                "purpose": "<evidence>",
                "legal_basis": "consent",
                "data_subjects": "employees",
                "data_category": "screenshots",
                "recipients": ["the DPO"],
                "retention": "30 days (screenshots)",
                "security_measures": ["encryption at rest"],
            }
        ],
        contracts=[
            {
                "dataset": "people",
                "suite": "people",
                "table": "people",
                "run_at": "2026-04-01T00:00:00+00:00",
                "success": True,
                "expectations": [],
            }
        ],
        deletions={"purge_runs": [], "keys_destroyed": [{"key_id": "k_1", "destroyed_at": "x"}]},
        rights={"received": 2, "closed": 1, "overdue": 0, "extended": 1},
    )


def test_html_names_violations_records_and_sign_off() -> None:
    html = render_html(_report())
    assert "FAILED (1 violations)" in html and "VIOLATION" in html
    assert "Article 30" in html and "Sign-off" in html and "k_1" in html
    assert "&lt;evidence&gt;" in html and "<evidence>" not in html  # escaped


def test_pdf_renders_a_first_page(tmp_path: Path) -> None:
    if not shutil.which("chromium") or not shutil.which("pdftoppm"):
        missing_rig("chromium and pdftoppm (apt-get install chromium poppler-utils)")
    pdf = tmp_path / "audit.pdf"
    write_pdf(render_html(_report()), pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    pages = list(tmp_path.glob("page*.png"))
    assert len(pages) == 1 and pages[0].stat().st_size > 1000
