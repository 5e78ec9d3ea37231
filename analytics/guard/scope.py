"""Scopes: which people and days a released result is about, and the filters refused.

A scope's footprint is the set of (person, day) units with data that it covers, among
eligible people. A scope covering fewer than k people singles them out and is refused. So
is a scope whose footprint differs from one already released to the same analyst by fewer
than k people (but more than none): the difference of the two results would be those few
people's figures (a team minus one, the same team one day shorter).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from analytics.errors import GuardRefused
from analytics.periods import Period

UNIT = ["person_id", "day"]


@dataclass(frozen=True)
class Scope:
    """A period, optionally narrowed to teams and/or a set of people."""

    period: Period
    team_ids: frozenset[int] | None = None
    person_ids: frozenset[int] | None = None

    @classmethod
    def of(
        cls,
        period: Period,
        team_ids: Iterable[int] | None = None,
        person_ids: Iterable[int] | None = None,
    ) -> Scope:
        """A scope from any iterables of ids."""
        teams = frozenset(team_ids) if team_ids is not None else None
        people = frozenset(person_ids) if person_ids is not None else None
        return cls(period, teams, people)

    def footprint(self, units: pl.DataFrame) -> pl.DataFrame:
        """The (person_id, day) units of ``units`` (with ``team_id``) inside this scope."""
        inside = pl.col("day").is_between(self.period.first, self.period.last)
        if self.team_ids is not None:
            inside &= pl.col("team_id").is_in(sorted(self.team_ids))
        if self.person_ids is not None:
            inside &= pl.col("person_id").is_in(sorted(self.person_ids))
        return units.filter(inside).select(UNIT).unique()

    def to_json(self) -> dict[str, Any]:
        """The scope as JSON for the ledger."""
        return {
            "period": self.period.to_json(),
            "teams": sorted(self.team_ids) if self.team_ids is not None else None,
            "people": sorted(self.person_ids) if self.person_ids is not None else None,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Scope:
        """The scope back from ``to_json``."""
        return cls.of(Period.from_json(value["period"]), value["teams"], value["people"])


def check_scope(scope: Scope, units: pl.DataFrame, released: Iterable[Scope], k: int) -> int:
    """How many people ``scope`` covers; raise GuardRefused if it may single anyone out."""
    footprint = scope.footprint(units)
    people = footprint["person_id"].n_unique()
    if people < k:
        raise GuardRefused(f"this filter covers fewer than {k} people; widen it")
    for earlier in released:
        if earlier == scope or not earlier.period.overlaps(scope.period):
            continue
        other = earlier.footprint(units)
        differing = pl.concat(
            [footprint.join(other, on=UNIT, how="anti"), other.join(footprint, on=UNIT, how="anti")]
        )["person_id"].n_unique()
        if 0 < differing < k:
            raise GuardRefused(
                f"this filter differs from one already released by fewer than {k} people"
            )
    return people
