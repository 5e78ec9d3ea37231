"""Errors raised by the collector.

Every error a caller may need to handle derives from ``CollectorError``; messages are one
line, say what to do next, and never carry captured content (titles, keys, pixels)::

    CollectorError
    ├── DisplayUnavailable     no display to capture from (DISPLAY unset, server gone,
    │                          RECORD extension missing, screen not readable)
    ├── CollectorConfigError   a collector setting or policy value is malformed
    │                          (also a ValueError)
    ├── SinkUnavailable        central storage cannot be reached now: the spool holds, retry
    ├── SubjectUnknown         no such person in storage (never added, erased) or no live key
    │   └── DeviceRefused      the service refused this device's token (also ServiceRefused)
    ├── ServiceRefused         the service refused a request retrying alone cannot fix
    ├── SpoolUnwritable        the spool's disk refused a write (full or failing)
    ├── SpoolBusy              another collector is already running on this spool
    └── SpoolCorrupt           a spool file is unreadable or malformed (also a ValueError)

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


class SinkUnavailable(CollectorError):
    """Central storage cannot be reached right now; the spool holds, retry later."""


class SubjectUnknown(CollectorError):
    """No such person in storage (never registered, or erased), or they have no live key."""


class ServiceRefused(CollectorError):
    """The service refused a request the collector cannot fix by retrying alone."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class DeviceRefused(ServiceRefused, SubjectUnknown):
    """The service does not accept this device's token (revoked?): stop capture, enrol again."""

    # Also a SubjectUnknown: the device may no longer write for its person, so the policy
    # watcher stops capture as it does for a person who is gone.


class SpoolUnwritable(CollectorError):
    """The spool's disk refused a write (full, or failing): the spool itself is intact."""


class SpoolBusy(CollectorError):
    """Another collector is already running on this spool."""


class SpoolCorrupt(CollectorError, ValueError):
    """A spool file (``device.json``, ``spool.db``) is unreadable or malformed."""
