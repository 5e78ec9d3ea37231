"""The manager overview: every figure the team dashboards and their downloads show, from
published cells only (``analytics.publication``).

Each function reads the published cells of the period in the units hosted by ``team_ids``
(``publication.read.load_published``) and returns a ``Figure``; an empty figure means no
data. The manager pages, the publication benchmark, the k-anonymity test and the attack
suite all use these functions, so what is measured and attacked is what a manager sees.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from analytics.categories import load_analytics_policy
from analytics.loaders.base import Source
from analytics.periods import Period
from analytics.publication import figures
from analytics.publication.figures import Figure
from analytics.publication.read import load_published, published_k


def previous(period: Period) -> Period:
    """The period of the same length just before ``period``."""
    return Period(period.first - timedelta(days=period.days), period.first - timedelta(days=1))


def _k(source: Source, period: Period) -> int:
    return published_k(source, period) or load_analytics_policy(source).k


SUMMED = ("total", "category")  # the cells summary figures sum (categories: productive share)


def _summary(
    source: Source,
    period: Period,
    team_ids: Collection[int],
    by: list[str],
    kinds: tuple[str, ...] = SUMMED,
) -> Figure:
    frame = load_published(source, period, team_ids, kinds)
    ratings = load_analytics_policy(source).category_ratings
    return figures.summary(frame, by, ratings, _k(source, period))


def overview(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """One row: work and active hours per person-day, activity level, productive share."""
    return _summary(source, period, team_ids, [])


def by_unit(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """The overview's figures per unit ("Platform", or "Platform + Legal" when folded)."""
    return _summary(source, period, team_ids, ["unit"])


def daily_lines(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per unit and day: work hours per person and activity level."""
    return _summary(source, period, team_ids, ["unit", "day"], ("total",))


def weekly_lines(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per unit and ISO week (its Monday): work hours per person-day and activity level."""
    return _summary(source, period, team_ids, ["unit", "week"], ("total",))


def team_timesheet(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per unit and local day: work and active hours summed over the unit's people (its
    published total cell), and per unit the sum of its shown days."""
    frame = load_published(source, period, team_ids, ("total",))
    return figures.timesheet(frame, _k(source, period))


def heatmap(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per weekday and local hour: activity level, tracked and active minutes."""
    return figures.heatmap(load_published(source, period, team_ids, ("hour",)), _k(source, period))


def categories(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per category: hours per person-day."""
    frame = load_published(source, period, team_ids, ("total", "category"))
    return figures.categories(frame, _k(source, period))


def top_apps(source: Source, period: Period, team_ids: Collection[int]) -> Figure:
    """Per published application (and "other <category> applications"): hours per person-day."""
    frame = load_published(source, period, team_ids, ("total", "app", "other"))
    return figures.applications(frame, _k(source, period))
