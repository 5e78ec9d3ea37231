"""Errors of the shared activity rules.

Messages are one line and never carry captured content::

    ActivityError
    └── RuleError      a privacy-filter rule or policy value is malformed (also a ValueError)
"""

from __future__ import annotations


class ActivityError(Exception):
    """Base class of every error of the activity rules."""


class RuleError(ActivityError, ValueError):
    """A privacy-filter rule or policy value is malformed."""
