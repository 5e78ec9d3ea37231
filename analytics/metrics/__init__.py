"""Metrics: pure functions over LazyFrames of eligible people's rows (see analytics.loaders).

Each returns per-person figures; manager-facing aggregates go through ``analytics.guard``.
"""

from analytics.metrics.apps import app_time, category_shares, category_time, productive_share
from analytics.metrics.days import clock, day_bounds, usual_day_bounds
from analytics.metrics.focus import focus_per_day, focus_sessions
from analytics.metrics.time import (
    activity_level_means,
    daily_from_minutes,
    period_means,
    slots_from_minutes,
    with_week,
    work_time,
)
from analytics.metrics.trends import (
    compare_teams,
    daily_trend,
    last_complete_day,
    trend_slope,
    weekly_trend,
)

__all__ = [
    "activity_level_means",
    "app_time",
    "category_shares",
    "category_time",
    "clock",
    "compare_teams",
    "daily_from_minutes",
    "daily_trend",
    "day_bounds",
    "focus_per_day",
    "focus_sessions",
    "last_complete_day",
    "period_means",
    "productive_share",
    "slots_from_minutes",
    "trend_slope",
    "usual_day_bounds",
    "weekly_trend",
    "with_week",
    "work_time",
]
