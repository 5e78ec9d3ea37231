"""Drawing helpers of the DPO's retention pages: policy, audit result, Data Docs, counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from app.context import now, storage
from app.text import literal
from services.datadocs import pages, zipped
from services.retention import PurgeReport
from services.retention_desk import (
    AuditRun,
    check_rows,
    count_rows,
    policy_rows,
    validation_rows,
)


def docs_site() -> Path:
    """Where the Data Docs are built: ``<TRAQ_DATA_DIR>/data-docs``."""
    return storage().settings.data_dir / "data-docs"


def as_of_input(key: str, help_text: str) -> date:
    """The ``--as-of`` date (default today, UTC)."""
    return st.date_input("As of (--as-of)", value=now().date(), key=key, help=help_text)


def draw_policy(days: dict[str, int]) -> None:
    """The retention period of each category and the datasets it governs."""
    st.subheader("Retention policy")
    st.dataframe(pd.DataFrame(policy_rows(days)), hide_index=True)
    st.caption("Periods are edited by an admin (policy retention_days); people on legal hold "
               "are never purged.")  # fmt: skip


def draw_audit(run: AuditRun) -> None:
    """The verdict, every check with its evidence, and the report to download."""
    report = run.report
    failed = sorted({c.category for c in report.violations})
    if report.success:
        st.success(f"Audit as of {report.as_of} passed: every check holds (run {report.run_at}).")
    else:
        st.warning(f"Audit as of {report.as_of} FAILED in: {', '.join(failed)} "
                   f"(run {report.run_at}).")  # fmt: skip
    st.dataframe(pd.DataFrame(check_rows(report)), hide_index=True)
    st.caption("Contract validations (Great Expectations), with observed values:")
    st.dataframe(pd.DataFrame(validation_rows(report)), hide_index=True)
    name = f"retention-audit-{report.as_of}"
    left, right = st.columns(2)
    left.download_button(
        "Download report (HTML)", run.html.encode(), f"{name}.html", "text/html", key="audit-html"
    )
    if run.pdf is not None:
        right.download_button(
            "Download report (PDF)", run.pdf, f"{name}.pdf", "application/pdf", key="audit-pdf"
        )
    else:
        right.warning(f"No PDF: {run.pdf_problem}")


@st.cache_data(show_spinner=False, max_entries=4)
def _zip(site: str, built: float) -> bytes:
    """The zipped site, made again only when the site was rebuilt (``built``: its mtime)."""
    return zipped(Path(site))


def draw_docs(site: Path) -> None:
    """Great Expectations Data Docs: the zipped site, and one validation page inline."""
    st.subheader("Great Expectations Data Docs")
    index = site / "index.html"
    if not index.exists():
        st.info("No Data Docs yet: running the audit builds them.")
        return
    st.caption(
        f"Built into {literal(site)} (open index.html; works offline: no external addresses)."
    )
    data = _zip(str(site), index.stat().st_mtime)
    st.download_button(
        "Download Data Docs (zip)", data, "data-docs.zip", "application/zip", key="docs-zip"
    )
    found = {p.dataset: p for p in pages(site)}
    choice = st.selectbox(
        "Show the validation of",
        ["index", *found],
        key="docs-page",
        help="Pick a dataset here: the index's links work in the downloaded site.",
    )
    path = index if choice == "index" else site / found[choice].path
    # The page was cleaned when built: no script, no external address (services.datadocs).
    st.iframe(path.read_text(encoding="utf-8"), height=600)


def draw_counts(report: PurgeReport, verb: str) -> None:
    """Counts per category and kind of record (``verb``: "would remove" or "removed")."""
    rows = count_rows(report)
    total = sum(r["count"] for r in rows)
    st.write(f"As of {report.as_of}: {verb} **{total}** record(s) and object version(s) in all.")
    st.dataframe(pd.DataFrame(rows, columns=["category", "what", "count"]), hide_index=True)
