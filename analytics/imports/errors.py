"""Errors of the importers: one line saying why a file was refused, never its content."""

from __future__ import annotations

from analytics.errors import AnalyticsError


class ImportRefused(AnalyticsError, ValueError):
    """The file cannot be imported (malformed, failing a contract, or the wrong subject)."""
