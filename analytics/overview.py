"""The manager overview: team work time, activity level, categories and weekly trends.

Built from person-level inputs that can come from the rollups (what dashboards do) or be
recomputed from minute rows and spans (to check the rollups, or from a Parquet export),
and released through the guard only.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Connection

from analytics.categories import AnalyticsPolicy
from analytics.guard import Guard, Released, Scope
from analytics.loaders import Source, load_app_totals, load_daily
from analytics.metrics import (
    app_time,
    category_shares,
    category_time,
    daily_from_minutes,
    period_means,
    weekly_trend,
    work_time,
)
from analytics.periods import Period

HOUR = 3600.0


@dataclass(frozen=True)
class OverviewInputs:
    """Person-level inputs: ``daily`` rows over the trend period (with ``team``), and
    application seconds per person over the recent period (``app``, ``seconds``)."""

    recent: Period
    trend: Period
    daily: pl.LazyFrame
    apps: pl.LazyFrame


@dataclass(frozen=True)
class Overview:
    """What a manager sees: every figure released through the guard."""

    daily_work: Released  # team x day: mean tracked hours and activity level
    teams: Released  # team: mean daily tracked hours and activity level, recent period
    categories: Released  # team x category: mean share of application time
    weekly: Released  # team x week: mean daily tracked hours and activity level


def periods(now: datetime, recent_days: int = 30, trend_days: int = 90) -> tuple[Period, Period]:
    """The recent and trend periods ending with the last complete day before ``now``."""
    return Period.last_days(recent_days, now), Period.last_days(trend_days, now)


def inputs_from_rollups(
    source: Source, now: datetime, team_ids: Collection[int] | None = None
) -> OverviewInputs:
    """Inputs read from the daily rollups (what dashboards use)."""
    recent, trend = periods(now)
    if isinstance(source, Connection):
        apps = load_app_totals(source, recent, team_ids)
        return OverviewInputs(recent, trend, load_daily(source, trend, team_ids), apps)
    # The two queries wait on the database, which releases the GIL: run them side by side.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(load_app_totals, source, recent, team_ids)
        daily = load_daily(source, trend, team_ids)
        return OverviewInputs(recent, trend, daily, pending.result())


def inputs_from_minutes(
    minutes: pl.LazyFrame, spans: pl.LazyFrame, now: datetime
) -> OverviewInputs:
    """Inputs recomputed from minute rows and spans shaped as ``load_minutes``/``load_spans``."""
    recent, trend = periods(now)
    daily = daily_from_minutes(minutes.filter(pl.col("day").is_between(trend.first, trend.last)))
    recent_spans = spans.filter(pl.col("day").is_between(recent.first, recent.last))
    # Both are small once aggregated: compute them once, together, not once per figure.
    daily_frame, apps = pl.collect_all([daily, app_time(recent_spans, app="label")])
    return OverviewInputs(recent, trend, daily_frame.lazy(), apps.lazy())


def manager_overview(
    inputs: OverviewInputs,
    guard: Guard,
    team_names: pl.DataFrame,
    team_ids: Collection[int] | None = None,
) -> Overview:
    """Release the overview for ``team_ids`` (all teams if None); ``team_names`` maps
    ``team_id`` to ``team``."""
    frames = person_figures(inputs, guard.policy, team_names, guard.now)
    recent, trend = Scope.of(inputs.recent, team_ids), Scope.of(inputs.trend, team_ids)
    values = ["tracked_hours", "activity_level"]
    return Overview(
        daily_work=guard.release(frames["daily"], recent, ["team", "day"], values, query="daily"),
        teams=guard.release(frames["teams"], recent, ["team"], values, query="teams"),
        categories=guard.release(
            frames["categories"], recent, ["team", "category"], ["share"], query="categories"
        ),
        weekly=guard.release(frames["weekly"], trend, ["team", "week"], values, query="weekly"),
    )


def person_figures(
    inputs: OverviewInputs, policy: AnalyticsPolicy, team_names: pl.DataFrame, now: datetime
) -> dict[str, pl.LazyFrame]:
    """The per-person frames behind each figure of the overview, with ``team``."""
    names = team_names.lazy()
    daily = inputs.daily.join(names, on="team_id")
    recent_days = daily.filter(pl.col("day") >= inputs.recent.first)
    hours = pl.col("daily_tracked_seconds") / HOUR
    shares = category_shares(category_time(inputs.apps, policy.app_categories), _categories(policy))
    return {
        "daily": work_time(recent_days).with_columns(
            (pl.col("tracked_seconds") / HOUR).alias("tracked_hours")
        ),
        "teams": period_means(recent_days)
        .join(names, on="team_id")
        .with_columns(hours.alias("tracked_hours")),
        "categories": shares.join(names, on="team_id"),
        "weekly": weekly_trend(daily, now)
        .join(names, on="team_id")
        .with_columns(hours.alias("tracked_hours")),
    }


def _categories(policy: AnalyticsPolicy) -> list[str]:
    return sorted({*policy.app_categories.values(), "uncategorised"})
