"""Analytics over TraqNext storage: the data team's library, the only door from stored rows
to anything shown.

Data teams start here in a notebook::

    from storage import open_storage
    import analytics as an

    storage = open_storage()
    period = an.Period.last_days(30, now)
    daily = an.load_daily(storage.engine, period).collect()

Anything a manager sees goes through ``Guard`` (k-anonymity, complementary suppression,
differencing defence and optional differential-privacy noise); the manager overview the
workbench shows is ``analytics.overview``. The workbench's use cases (accounts, rights and
retention desks, self-view) live in ``services``.

Importing ``analytics`` is light: polars, pandas and SQLAlchemy load with the first name
that needs them (``__getattr__`` below), so a command line that only mentions analytics
starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analytics.errors import AnalyticsError, GuardRefused, InvalidQuery, MissingDependency
from analytics.periods import Period

if TYPE_CHECKING:
    from analytics.categories import load_analytics_policy
    from analytics.guard import Guard, Noise, Released, Scope, release
    from analytics.loaders import (
        attach_people,
        load_app_daily,
        load_app_totals,
        load_daily,
        load_minutes,
        load_people,
        load_slots,
        load_spans,
        to_pandas,
    )
    from analytics.organisation import OrganisationSummary, organisation_summary

_LAZY = {
    "load_analytics_policy": "analytics.categories",
    **dict.fromkeys(["Guard", "Noise", "Released", "Scope", "release"], "analytics.guard"),
    **dict.fromkeys(
        [
            "attach_people",
            "load_app_daily",
            "load_app_totals",
            "load_daily",
            "load_minutes",
            "load_people",
            "load_slots",
            "load_spans",
            "to_pandas",
        ],
        "analytics.loaders",
    ),
    "OrganisationSummary": "analytics.organisation",
    "organisation_summary": "analytics.organisation",
}

__all__ = [
    "AnalyticsError",
    "Guard",
    "GuardRefused",
    "InvalidQuery",
    "MissingDependency",
    "Noise",
    "OrganisationSummary",
    "Period",
    "Released",
    "Scope",
    "attach_people",
    "load_analytics_policy",
    "load_app_daily",
    "load_app_totals",
    "load_daily",
    "load_minutes",
    "load_people",
    "load_slots",
    "load_spans",
    "organisation_summary",
    "release",
    "to_pandas",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")
