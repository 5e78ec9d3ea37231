"""The privacy guard: the only door from individual rows to manager-facing results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Engine, select

from analytics.categories import AnalyticsPolicy, load_analytics_policy
from analytics.errors import GuardRefused
from analytics.guard import ledger
from analytics.guard.noise import Noise
from analytics.guard.release import Released, Statistic, release
from analytics.guard.scope import Scope, check_scope
from analytics.loaders.base import connected, fetch, for_people, load_people
from analytics.periods import Period
from storage.db.schema import activity_daily
from storage.policies import MIN_K

UNITS_SCHEMA = {"person_id": pl.Int64, "day": pl.Date}


class Guard:
    """Releases aggregates to one analyst (a manager, a dashboard user) under the policy.

    Every release is checked against its ``Scope`` (at least k people, no differencing
    against scopes released to the same analyst before, which the ledger remembers across
    sessions), restricted to eligible people inside the scope, aggregated with small-cell
    and complementary suppression, and, if asked, noised within the analyst's budget.
    """

    def __init__(
        self,
        engine: Engine,
        analyst: str,
        now: datetime,
        *,
        k: int | None = None,
        policy: AnalyticsPolicy | None = None,
    ) -> None:
        self.engine = engine
        self.analyst = analyst
        self.now = now
        self.policy = policy or load_analytics_policy(engine)
        self.k = max(self.policy.k, k or 0, MIN_K)  # a caller may raise k, never lower it
        with engine.connect() as connection:
            self._released = ledger.released_scopes(connection, analyst)
        self._units: dict[Period, pl.DataFrame] = {}

    def check(self, scope: Scope) -> int:
        """How many people ``scope`` covers; raise GuardRefused if it may single anyone out."""
        earlier = [s for s in self._released if s.period.overlaps(scope.period)]
        first = min([scope.period.first, *(s.period.first for s in earlier)])
        last = max([scope.period.last, *(s.period.last for s in earlier)])
        return check_scope(scope, self.units(Period(first, last)), earlier, self.k)

    def units(self, period: Period) -> pl.DataFrame:
        """``person_id, team_id, day`` of eligible people with tracked time in ``period``."""
        for known, units in self._units.items():
            if known.first <= period.first and period.last <= known.last:
                return units.filter(pl.col("day").is_between(period.first, period.last))
        if period not in self._units:
            d = activity_daily.c
            statement = select(d.person_id, d.day).where(
                d.day >= period.first, d.day <= period.last, d.tracked_seconds > 0
            )
            with connected(self.engine) as connection:
                everyone = load_people(connection).collect()
                rows = fetch(connection, for_people(statement, everyone), UNITS_SCHEMA)
            self._units[period] = rows.join(everyone.select("person_id", "team_id"), on="person_id")
        return self._units[period]

    def spent(self) -> float:
        """Epsilon this analyst has spent so far."""
        with self.engine.connect() as connection:
            return ledger.spent_epsilon(connection, self.analyst)

    def release(
        self,
        frame: pl.LazyFrame | pl.DataFrame,
        scope: Scope,
        group_by: Sequence[str],
        value_columns: Sequence[str],
        *,
        person_column: str = "person_id",
        statistic: Statistic = "mean",
        noise: Noise | None = None,
        totals: bool = False,
        query: str = "",
    ) -> Released:
        """Release ``frame``'s rows inside ``scope``, aggregated by ``group_by``."""
        people_covered = self.check(scope)
        if noise is not None and self.spent() + noise.epsilon > self.policy.dp_epsilon_budget:
            raise GuardRefused("this analyst's privacy budget would be exceeded")
        inside = scope.footprint(self.units(scope.period))["person_id"].unique()
        rows = frame.lazy().filter(pl.col(person_column).is_in(inside.implode()))
        if "day" in rows.collect_schema().names():
            rows = rows.filter(pl.col("day").is_between(scope.period.first, scope.period.last))
        result = release(
            rows, group_by, value_columns, person_column, self.k,
            statistic=statistic, noise=noise, totals=totals,
        )  # fmt: skip
        self._record(scope, people_covered, query, noise)
        return result

    def _record(self, scope: Scope, people: int, query: str, noise: Noise | None) -> None:
        new_scope = scope not in self._released
        if not new_scope and noise is None:
            return
        with self.engine.begin() as connection:
            if new_scope:
                ledger.record(connection, self.analyst, scope, people, query, self.now)
            if noise is not None:
                ledger.record(
                    connection, self.analyst, scope, people, query, self.now, noise.epsilon
                )
        if new_scope:
            self._released.append(scope)
