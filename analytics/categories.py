"""Applications to categories, categories to ratings: the organisation's policy as frames.

``app_categories`` (policy) maps an application or site name to a category; anything not
listed is ``uncategorised``. ``category_ratings`` (policy) rates each category productive,
neutral or unproductive, under ``"default"`` and per team name (a team's entries override
the default ones); an unrated category is neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics.loaders.base import Source, connected
from storage.policies import DEFAULT_POLICIES, MIN_K, load_policies

UNCATEGORISED = "uncategorised"
NEUTRAL = "neutral"
RATINGS = ("productive", NEUTRAL, "unproductive")

DEFAULT_APP_CATEGORIES: dict[str, str] = DEFAULT_POLICIES["app_categories"]
"""The shipped catalogue, used when the ``app_categories`` policy is not set."""


@dataclass(frozen=True)
class AnalyticsPolicy:
    """What analytics needs from the organisation's policies."""

    k: int
    app_categories: Mapping[str, str]
    category_ratings: Mapping[str, Mapping[str, str]]
    dp_epsilon_budget: float

    @classmethod
    def from_policies(cls, policies: Mapping[str, Any]) -> AnalyticsPolicy:
        """Read from a policy mapping (``storage.policies.load_policies``); k never below 3."""
        return cls(
            k=max(int(policies.get("k_anonymity", DEFAULT_POLICIES["k_anonymity"])), MIN_K),
            app_categories=policies.get("app_categories", DEFAULT_APP_CATEGORIES),
            category_ratings=policies.get("category_ratings", DEFAULT_POLICIES["category_ratings"]),
            dp_epsilon_budget=float(policies.get("dp_epsilon_budget", 10.0)),
        )


def load_analytics_policy(source: Source) -> AnalyticsPolicy:
    """The policy in force in the database."""
    with connected(source) as connection:
        return AnalyticsPolicy.from_policies(load_policies(connection))


def with_category(
    frame: pl.LazyFrame, app_categories: Mapping[str, str], app: str = "app"
) -> pl.LazyFrame:
    """Add ``category`` for the application or site in column ``app``."""
    return frame.with_columns(
        pl.col(app)
        .replace_strict(dict(app_categories), default=UNCATEGORISED, return_dtype=pl.String)
        .alias("category")
    )


def ratings_frame(
    category_ratings: Mapping[str, Mapping[str, str]], people: pl.LazyFrame
) -> pl.LazyFrame:
    """``team_id, category, rating`` for every team of ``people`` (which has ``team``)."""
    default = dict(category_ratings.get("default", {}))
    rows: list[dict[str, Any]] = []
    for team_id, team in people.select("team_id", "team").unique().collect().iter_rows():
        ratings = {**default, **category_ratings.get(team, {})}
        rows += [{"team_id": team_id, "category": c, "rating": r} for c, r in ratings.items()]
    schema = {"team_id": pl.Int64, "category": pl.String, "rating": pl.String}
    return pl.DataFrame(rows, schema=schema).lazy()


def with_rating(frame: pl.LazyFrame, ratings: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``rating`` (by ``team_id`` and ``category``); unrated categories are neutral."""
    return frame.join(ratings, on=["team_id", "category"], how="left").with_columns(
        pl.col("rating").fill_null(NEUTRAL)
    )
