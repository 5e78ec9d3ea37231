"""The manager overview: every figure the team dashboards show, released through the guard.

Each function reads the rollups (never minute rows) for a period and a set of teams, builds
per-person figures and returns ``Released`` cells (suppressed cells read None), or raises
``GuardRefused`` when the filter could single someone out. The workbench's manager pages,
the dashboard benchmark and the k-anonymity test all use these functions, so what is
measured and tested is what a manager sees.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from analytics.categories import ratings_frame
from analytics.guard import Guard, Released, Scope
from analytics.loaders import load_app_totals, load_daily, load_people, load_slots
from analytics.metrics import category_time, period_means, productive_share, weekly_trend, work_time
from analytics.periods import Period

HOUR = 3600.0
SUMMARY = ["tracked_hours", "active_hours", "activity_level", "productive_share"]


def previous(period: Period) -> Period:
    """The period of the same length just before ``period``."""
    return Period(period.first - timedelta(days=period.days), period.first - timedelta(days=1))


def _teams(engine: Engine, team_ids: Collection[int]) -> pl.LazyFrame:
    return load_people(engine, team_ids).select("person_id", "team_id", "team")


def person_summary(
    engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]
) -> pl.LazyFrame:
    """Per person: mean daily tracked and active hours, activity level, productive share."""
    means = period_means(load_daily(engine, period, team_ids)).select(
        "person_id",
        "team_id",
        (pl.col("daily_tracked_seconds") / HOUR).alias("tracked_hours"),
        (pl.col("daily_active_seconds") / HOUR).alias("active_hours"),
        "activity_level",
    )
    people = _teams(engine, team_ids)
    categories = category_time(
        load_app_totals(engine, period, team_ids), guard.policy.app_categories
    )
    ratings = ratings_frame(guard.policy.category_ratings, people)
    productive = productive_share(categories, ratings).select("person_id", "productive_share")
    return means.join(productive, on="person_id", how="left").join(
        people.select("person_id", "team"), on="person_id"
    )


def overview(engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]) -> Released:
    """One cell over the teams: the summary figures, mean per person."""
    frame = person_summary(engine, guard, period, team_ids)
    return guard.release(frame, Scope.of(period, team_ids), [], SUMMARY, query="overview")


def by_team(engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]) -> Released:
    """The summary figures per team."""
    frame = person_summary(engine, guard, period, team_ids)
    scope = Scope.of(period, team_ids)
    return guard.release(frame, scope, ["team"], SUMMARY, query="by team")


def daily_lines(
    engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]
) -> Released:
    """Per team and day: mean tracked hours and activity level."""
    daily = (
        work_time(load_daily(engine, period, team_ids))
        .join(_teams(engine, team_ids).select("person_id", "team"), on="person_id")
        .with_columns((pl.col("tracked_seconds") / HOUR).alias("tracked_hours"))
    )
    values = ["tracked_hours", "activity_level"]
    return guard.release(daily, Scope.of(period, team_ids), ["team", "day"], values, query="daily")


def weekly_lines(
    engine: Engine, guard: Guard, period: Period, team_ids: Collection[int], now: datetime
) -> Released:
    """Per team and ISO week: mean daily tracked hours and activity level."""
    weekly = (
        weekly_trend(load_daily(engine, period, team_ids), now)
        .join(_teams(engine, team_ids).select("person_id", "team"), on="person_id")
        .with_columns((pl.col("daily_tracked_seconds") / HOUR).alias("tracked_hours"))
    )
    values = ["tracked_hours", "activity_level"]
    return guard.release(
        weekly, Scope.of(period, team_ids), ["team", "week"], values, query="weekly"
    )


def heatmap(engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]) -> Released:
    """Per local day of week (0 = Monday) and hour: tracked and active seconds, summed."""
    slots = load_slots(engine, period, team_ids).with_columns(
        pl.col("day").dt.weekday().sub(1).alias("weekday"),
        (pl.col("local_seconds") // 3600).alias("hour"),
    )
    values = ["tracked_seconds", "active_seconds"]
    scope = Scope.of(period, team_ids)
    return guard.release(
        slots, scope, ["weekday", "hour"], values, statistic="sum", query="heatmap"
    )


def categories(engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]) -> Released:
    """Per category: mean hours per person over the period."""
    frame = category_time(load_app_totals(engine, period, team_ids), guard.policy.app_categories)
    frame = frame.with_columns((pl.col("seconds") / HOUR).alias("hours"))
    scope = Scope.of(period, team_ids)
    return guard.release(frame, scope, ["category"], ["hours"], query="categories")


def top_apps(engine: Engine, guard: Guard, period: Period, team_ids: Collection[int]) -> Released:
    """Per application: mean hours per person who used it over the period."""
    frame = load_app_totals(engine, period, team_ids).with_columns(
        (pl.col("seconds") / HOUR).alias("hours")
    )
    scope = Scope.of(period, team_ids)
    return guard.release(frame, scope, ["app"], ["hours"], query="apps")
