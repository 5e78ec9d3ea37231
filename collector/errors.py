"""Errors raised by the collector.

Every error a caller may need to handle derives from ``CollectorError``; messages are one
line, say what to do next, and never carry captured content (titles, keys, pixels)::

    CollectorError
    ├── DisplayUnavailable     no display to capture from (DISPLAY unset, server gone,
    │                          RECORD extension missing, screen not readable)
    └── CollectorConfigError   a collector setting or policy value is malformed
                               (also a ValueError)

Lower-level exceptions (pynput's ImportError, Xlib display errors, mss errors) are
translated at the boundary with ``raise Ours(...) from exc``.
"""

from __future__ import annotations


class CollectorError(Exception):
    """Base class of every collector error."""


class DisplayUnavailable(CollectorError):
    """No display to capture from: start a desktop session or set DISPLAY."""


class CollectorConfigError(CollectorError, ValueError):
    """A collector setting or policy value is malformed."""
