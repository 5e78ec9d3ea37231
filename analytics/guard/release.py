"""Aggregating individual rows into cells that are safe to show a manager.

Each cell's value is built from per-person contributions (the sum of that person's rows in
the cell): their ``mean`` over the people in the cell, or their ``sum``. A cell covering
fewer than k distinct people, and its complements (see ``suppression``), read as None with
``suppressed`` set; totals are computed over shown cells only, so that a total minus the
shown cells is zero, never a hidden cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import polars as pl

from analytics.errors import InvalidQuery
from analytics.guard.noise import Mechanism, Noise, clip_contributions, noisy_sums
from analytics.guard.suppression import suppressed_cells
from storage.policies import MIN_K

Statistic = Literal["mean", "sum"]
PEOPLE, SUPPRESSED, NOISED = "people", "suppressed", "noised"


@dataclass(frozen=True)
class Released:
    """Cells safe to show: group keys, values (None if suppressed), ``people`` covered,
    ``suppressed`` and ``noised`` flags; optional ``totals`` over shown cells."""

    cells: pl.DataFrame
    totals: pl.DataFrame | None
    k: int
    statistic: Statistic
    epsilon: float  # 0.0 when no noise was added
    mechanism: Mechanism | None

    @property
    def shown(self) -> pl.DataFrame:
        """The cells that are not suppressed."""
        return self.cells.filter(~pl.col(SUPPRESSED))

    def to_pandas(self) -> pd.DataFrame:
        """The cells as pandas, for charts."""
        return self.cells.to_pandas()


def release(
    frame: pl.LazyFrame | pl.DataFrame,
    group_by: Sequence[str],
    value_columns: Sequence[str],
    person_column: str = "person_id",
    k: int = 5,
    *,
    statistic: Statistic = "mean",
    noise: Noise | None = None,
    totals: bool = False,
) -> Released:
    """Aggregate ``frame`` by ``group_by`` so that every shown cell covers >= k people.

    For manager-facing results use ``Guard.release``, which also checks the scope."""
    keys, values = list(group_by), list(value_columns)
    eager = _checked(frame, [*keys, *values, person_column], k)
    contributions = eager.group_by([*keys, person_column]).agg(pl.col(values).sum())
    if noise is not None:
        contributions = clip_contributions(contributions, person_column, values, noise)
    cells = _cells(contributions, keys, values, person_column)
    if noise is not None:
        cells = _add_noise(cells, values, noise)
    hidden = suppressed_cells(cells.select(keys).rows(), cells[PEOPLE].to_list(), k)
    cells = cells.with_columns(pl.Series(SUPPRESSED, hidden, dtype=pl.Boolean))
    spec = (statistic, k, noise is not None)
    margins = _totals(cells, contributions, keys, values, person_column, spec) if totals else None
    epsilon, mechanism = (noise.epsilon, noise.mechanism) if noise else (0.0, None)
    shown = _present(cells, values, statistic, noise is not None)
    return Released(shown, margins, k, statistic, epsilon, mechanism)


def _checked(frame: pl.LazyFrame | pl.DataFrame, needed: list[str], k: int) -> pl.DataFrame:
    if k < MIN_K:
        raise InvalidQuery(f"k must be at least {MIN_K}, got {k}")
    eager = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    missing = [c for c in needed if c not in eager.columns]
    if missing:
        raise InvalidQuery(f"frame has no column(s) {', '.join(missing)}")
    return eager


def _cells(
    contributions: pl.DataFrame, keys: list[str], values: list[str], person: str
) -> pl.DataFrame:
    if not keys:
        return contributions.select(
            pl.col(values).sum().cast(pl.Float64), pl.col(person).n_unique().alias(PEOPLE)
        )
    return (
        contributions.group_by(keys)
        .agg(pl.col(values).sum().cast(pl.Float64), pl.col(person).n_unique().alias(PEOPLE))
        .sort(keys)
    )


def _add_noise(cells: pl.DataFrame, values: list[str], noise: Noise) -> pl.DataFrame:
    share = noise.epsilon / len(values)
    noisy = {
        column: noisy_sums(cells[column].to_list(), noise.bounds[column], share, noise.mechanism)
        for column in values
    }
    return cells.with_columns(pl.Series(column, data) for column, data in noisy.items())


def _present(
    cells: pl.DataFrame, values: list[str], statistic: Statistic, noised: bool
) -> pl.DataFrame:
    hide = pl.col(SUPPRESSED)
    value = (lambda c: pl.col(c) / pl.col(PEOPLE)) if statistic == "mean" else pl.col
    return cells.with_columns(
        *(pl.when(hide).then(None).otherwise(value(c)).alias(c) for c in values),
        pl.when(hide).then(None).otherwise(pl.col(PEOPLE)).cast(pl.Int64).alias(PEOPLE),
        pl.lit(noised).alias(NOISED),
    )


def _totals(
    cells: pl.DataFrame,
    contributions: pl.DataFrame,
    keys: list[str],
    values: list[str],
    person: str,
    spec: tuple[Statistic, int, bool],
) -> pl.DataFrame | None:
    """Per group of all keys but the last: sums of shown cells, people across them."""
    if not keys:
        return None
    statistic, k, noised = spec
    margin = keys[:-1]
    shown = cells.filter(~pl.col(SUPPRESSED))
    who = contributions.join(shown.select(keys), on=keys, how="semi")
    if margin:
        people = who.group_by(margin).agg(pl.col(person).n_unique().alias(PEOPLE))
        totals = shown.group_by(margin).agg(pl.col(values).sum()).join(people, on=margin)
        totals = totals.sort(margin)
    else:
        totals = shown.select(pl.col(values).sum()).with_columns(
            pl.lit(who[person].n_unique()).alias(PEOPLE)
        )
    totals = totals.with_columns((pl.col(PEOPLE) < k).alias(SUPPRESSED))
    return _present(totals, values, statistic, noised)
