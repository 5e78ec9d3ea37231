"""Analytics over TraqNext storage: the only door from stored rows to anything shown.

Data teams start here in a notebook::

    from storage import open_storage
    import analytics as an

    storage = open_storage()
    period = an.Period.last_days(30, now)
    daily = an.load_daily(storage.engine, period).collect()

Anything a manager sees goes through ``Guard`` (k-anonymity, complementary suppression,
differencing defence and optional differential-privacy noise).
"""

from analytics.categories import load_analytics_policy
from analytics.errors import AnalyticsError, GuardRefused, InvalidQuery, MissingDependency
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
from analytics.overview import Overview, inputs_from_rollups, manager_overview
from analytics.periods import Period

__all__ = [
    "AnalyticsError",
    "Guard",
    "GuardRefused",
    "InvalidQuery",
    "MissingDependency",
    "Noise",
    "OrganisationSummary",
    "Overview",
    "Period",
    "Released",
    "Scope",
    "attach_people",
    "inputs_from_rollups",
    "load_analytics_policy",
    "load_app_daily",
    "load_app_totals",
    "load_daily",
    "load_minutes",
    "load_people",
    "load_slots",
    "load_spans",
    "manager_overview",
    "organisation_summary",
    "release",
    "to_pandas",
]
