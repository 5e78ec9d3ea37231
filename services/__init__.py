"""The workbench's use cases: what the pages and the ``traq`` command line do with the data.

Accounts and single sign-on (``accounts``, ``sso``, ``admin``), the rights desk (``rights``),
retention rules, purge and audit (``retention``, ``retention_desk``, ``datadocs``), the
quarantine desk, and the employee's own view (``selfview``, ``idle_review``, ``tracking``).
Each module is imported where it is used; this package imports only its errors, so
``import services`` stays light. The data team's library, which these build on, is
``analytics`` (layers: traq -> app -> services -> analytics -> storage).
"""

from __future__ import annotations

from services.errors import (
    AccessDenied,
    AdminRefused,
    DataDocsFailed,
    ErasureBlocked,
    IdentityRefused,
    InvalidRequest,
    InvalidTransition,
    NotAllowed,
    RequestNotFound,
    RightsError,
    ServicesError,
)

__all__ = [
    "AccessDenied",
    "AdminRefused",
    "DataDocsFailed",
    "ErasureBlocked",
    "IdentityRefused",
    "InvalidRequest",
    "InvalidTransition",
    "NotAllowed",
    "RequestNotFound",
    "RightsError",
    "ServicesError",
]
