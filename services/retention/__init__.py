"""Retention: rules (pure), the purge that applies them, and the audit that proves them.

Great Expectations is not imported here: the audit takes the contract results as input, and
the caller runs them (``data_contracts.runner``) where validation is wanted.
"""

from __future__ import annotations

from services.retention.audit import AuditReport, Check, run_audit
from services.retention.purge import PurgeReport, run_purge
from services.retention.report import render_html, write_pdf
from services.retention.rules import first_kept_day, plan_purge
from services.retention.schedule import is_due, purge_if_due

__all__ = [
    "AuditReport",
    "Check",
    "PurgeReport",
    "first_kept_day",
    "is_due",
    "plan_purge",
    "purge_if_due",
    "render_html",
    "run_audit",
    "run_purge",
    "write_pdf",
]
