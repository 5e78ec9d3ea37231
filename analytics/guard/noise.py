"""Differential-privacy noise from OpenDP's core measurements.

Each person's contributions to a value column are clipped so that their L1 norm over all
cells of a release is at most the column's bound; adding or removing one person then moves
the vector of cell sums by at most that bound, and Laplace noise (or its discrete form,
the geometric mechanism, for integer sums) of scale ``bound / epsilon`` makes the release
``epsilon``-differentially private for that column. The budget is split evenly between
columns. People counts are released exactly (each cell must say how many people it covers),
so the guarantee protects the values, not membership.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from analytics.errors import AnalyticsError, InvalidQuery, MissingDependency

Mechanism = Literal["laplace", "geometric"]


@dataclass(frozen=True)
class Noise:
    """What noise to add: total ``epsilon`` and each value column's per-person L1 bound."""

    epsilon: float
    bounds: Mapping[str, float]
    mechanism: Mechanism = "laplace"

    def __post_init__(self) -> None:
        if not self.epsilon > 0:
            raise InvalidQuery(f"epsilon must be positive, got {self.epsilon}")
        if not self.bounds or any(not bound > 0 for bound in self.bounds.values()):
            raise InvalidQuery("every noised column needs a positive contribution bound")


def clip_contributions(
    contributions: pl.DataFrame, person: str, columns: Sequence[str], noise: Noise
) -> pl.DataFrame:
    """Scale each person's contributions so their L1 norm per column is within its bound."""
    missing = [c for c in columns if c not in noise.bounds]
    if missing:
        raise InvalidQuery(f"no contribution bound for {', '.join(missing)}")
    return contributions.with_columns(
        (pl.col(c) * _scale(pl.col(c).abs().sum().over(person), noise.bounds[c])).alias(c)
        for c in columns
    )


def _scale(norm: pl.Expr, bound: float) -> pl.Expr:
    return pl.when(norm > bound).then(bound / norm).otherwise(1.0)


def noisy_sums(
    sums: Sequence[float], bound: float, epsilon: float, mechanism: Mechanism
) -> list[float]:
    """``sums`` with noise calibrated to per-person L1 ``bound`` and ``epsilon``."""
    dp = _opendp()
    if mechanism == "geometric":
        integer_bound = math.ceil(bound)
        measurement = dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)),
            dp.l1_distance(T=int),
            scale=integer_bound / epsilon,
        )
        _check_loss(measurement.map(integer_bound), epsilon)
        return [float(v) for v in measurement([round(s) for s in sums])]
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)),
        dp.l1_distance(T=float),
        scale=bound / epsilon,
    )
    _check_loss(measurement.map(bound), epsilon)
    return [float(v) for v in measurement([float(s) for s in sums])]


def _check_loss(loss: float, epsilon: float) -> None:
    # OpenDP's own accounting must agree with ours, or the ledger would understate the cost.
    if loss > epsilon * (1 + 1e-9):
        raise AnalyticsError(f"noise calibration spends {loss:.6g} > epsilon {epsilon:.6g}")


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise MissingDependency(
            "differential-privacy noise needs OpenDP: pip install 'opendp>=0.12'"
        ) from exc
    dp.enable_features("contrib")
    return dp
