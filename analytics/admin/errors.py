"""Errors of administration (listed under ``AnalyticsError``)::

    AdminRefused        a change an administrator asked for that is not acceptable
    └── NotAllowed      the acting account may not administer (not an enabled admin)

Messages are one line, say what to do instead, and never carry a password.
"""

from __future__ import annotations

from analytics.errors import AnalyticsError


class AdminRefused(AnalyticsError, ValueError):
    """An administrative change that is not acceptable; nothing was written."""


class NotAllowed(AdminRefused, PermissionError):
    """The acting account is not an enabled admin."""
