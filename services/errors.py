"""Errors raised by the workbench's use cases (``services``).

Messages are one line, say what to do instead, and never name a person, carry a password or
captured content::

    ServicesError
    ├── InvalidRequest         a desk action that does not fit the data (a batch already
    │                          discarded, a purge dated in the future)
    ├── DataDocsFailed         the contract validation or its Data Docs site could not be built
    ├── IdentityRefused        a single sign-on identity names no usable account
    ├── SmtpConfigError        TRAQ_SMTP_URL is not a usable SMTP address
    ├── PasswordRefused        a new password that is not acceptable (or a wrong current one)
    ├── AdminRefused           an administrative change that is not acceptable
    │   ├── NotAllowed         the acting account is not an enabled admin
    │   └── NeedsConfirmation  a change with drastic effects, saved only when confirmed
    └── RightsError            a rights request that cannot be filed or acted on as asked
        ├── AccessDenied       the acting account may not file, see or act on this request
        ├── RequestNotFound    no request (or no person) with that id
        ├── InvalidTransition  the request's state does not allow this action
        └── ErasureBlocked     a legal hold (or an earlier erasure) stops an erasure

The data team's library has its own tree (``analytics.errors``); the two do not overlap.
"""

from __future__ import annotations


class ServicesError(Exception):
    """Base class of every error of the workbench's use cases."""


class InvalidRequest(ServicesError, ValueError):
    """A desk action that does not fit the data it names; nothing was changed."""


class DataDocsFailed(ServicesError):
    """Contract validation or its Data Docs site could not be built; the message says why."""


class IdentityRefused(ServicesError):
    """The identity provider's sign-in names no usable account; the message says why."""


class SmtpConfigError(ServicesError):
    """TRAQ_SMTP_URL is not a usable SMTP address."""


class PasswordRefused(ServicesError, ValueError):
    """A password change that is not acceptable; the password was not changed."""


class AdminRefused(ServicesError, ValueError):
    """An administrative change that is not acceptable; nothing was written."""


class NotAllowed(AdminRefused, PermissionError):
    """The acting account is not an enabled admin."""


class NeedsConfirmation(AdminRefused):
    """A change with drastic effects, saved only when confirmed; nothing was written."""


class RightsError(ServicesError):
    """A rights request that cannot be filed or acted on as asked."""


class AccessDenied(RightsError, PermissionError):
    """The acting account may not file, see or act on this request."""


class RequestNotFound(RightsError, LookupError):
    """No request (or no person) with that id."""


class InvalidTransition(RightsError, ValueError):
    """The request's current state does not allow this action."""


class ErasureBlocked(RightsError):
    """A legal hold (its reason stated) or an earlier erasure stops this erasure."""
