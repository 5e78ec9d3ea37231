"""Errors of rights-request processing (to be listed under ``AnalyticsError``)::

    RightsError            base: a request that cannot be filed or acted on as asked
    ├── AccessDenied       the acting account may not file, see or act on this request
    ├── RequestNotFound    no request (or no person) with that id
    ├── InvalidTransition  the request's state does not allow this action
    └── ErasureBlocked     a legal hold (or an earlier erasure) stops an erasure

Messages are one line and never carry a name, an e-mail address or captured content.
"""

from __future__ import annotations

from analytics.errors import AnalyticsError


class RightsError(AnalyticsError):
    """A rights request that cannot be filed or acted on as asked."""


class AccessDenied(RightsError, PermissionError):
    """The acting account may not file, see or act on this request."""


class RequestNotFound(RightsError, LookupError):
    """No request (or no person) with that id."""


class InvalidTransition(RightsError, ValueError):
    """The request's current state does not allow this action."""


class ErasureBlocked(RightsError):
    """A legal hold (its reason stated) or an earlier erasure stops this erasure."""
