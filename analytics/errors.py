"""Errors raised by analytics.

Messages are one line, say why, and never name a person or carry captured content::

    AnalyticsError
    ├── InvalidQuery       a period, filter or column that does not fit the data asked for
    ├── GuardRefused       the privacy guard will not release this result (small group,
    │                      differencing, exhausted privacy budget)
    ├── MissingDependency  an optional package (OpenDP for noise) is not installed
    └── ImportRefused      a file to import is malformed, fails a contract or names the wrong
                           subject (also a ValueError; never quotes the file's content)
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base class of every analytics error."""


class InvalidQuery(AnalyticsError, ValueError):
    """A period, filter or column that does not fit the data asked for."""


class GuardRefused(AnalyticsError):
    """The privacy guard refuses to release a result; the message says why."""


class MissingDependency(AnalyticsError):
    """An optional package needed for this call is not installed."""


class ImportRefused(AnalyticsError, ValueError):
    """The file cannot be imported (malformed, failing a contract, or the wrong subject)."""
