"""Optional user-level differential privacy for publications (OpenDP's Laplace mechanism).

When the ``publication`` policy holds ``noise`` (``epsilon_per_day``, ``clip_hours``,
``budget_per_month``), each person's day is clipped to ``clip_hours`` of tracked time (all
their contributions scaled down together), and each unit-day's published sums get Laplace
noise calibrated to one person's whole day: half of the day's epsilon on the total cell
(tracked and active: L1 sensitivity 2C for clip C), half on every other cell (an hour, a
category and an application or "other" cover each second of time, and an hour each active
second: 4C). Adding or removing one person therefore changes the unit-day's release by an
epsilon-bounded amount; a unit spends ``epsilon_per_day`` per published day, at most
``budget_per_month`` a calendar month (the ledger keeps the account); past the budget, the
unit-day is published with every cell suppressed.

People counts and which cells are published stay exact (k, complementary suppression and
the exact isolation check protect them), so the guarantee covers the values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from analytics.errors import AnalyticsError, InvalidQuery, MissingDependency
from analytics.publication.cells import TIME, TOTAL, Contributions
from analytics.publication.suppress import Published
from storage.db.schema import privacy_ledger

HOUR = 3600.0


@dataclass(frozen=True)
class NoisePolicy:
    """Epsilon per unit and day, the clip per person-day, the budget per unit and month."""

    epsilon_per_day: float
    clip_hours: float = 12.0
    budget_per_month: float = 31.0

    @classmethod
    def from_policy(cls, value: Mapping[str, Any] | None) -> NoisePolicy | None:
        """The ``noise`` entry of the publication policy (None: no noise)."""
        if not value:
            return None
        try:
            noise = cls(
                float(value["epsilon_per_day"]),
                float(value.get("clip_hours", 12.0)),
                float(value.get("budget_per_month", 31.0)),
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidQuery("publication noise needs a number epsilon_per_day") from None
        if min(noise.epsilon_per_day, noise.clip_hours, noise.budget_per_month) <= 0:
            raise InvalidQuery("publication noise settings must be positive")
        return noise

    @property
    def clip_seconds(self) -> float:
        """The most tracked seconds one person-day may contribute."""
        return self.clip_hours * HOUR


def clip(day: Contributions, seconds: float) -> Contributions:
    """Each person's day scaled down so that the L1 norm of their finest time contributions
    is at most ``seconds``; active time (never above tracked) scales with it."""
    hours, apps = {}, {}
    for person in day.hours:
        spans = day.apps.get(person, {})
        size = sum(abs(v) for v in day.finest(person, TIME).values())
        scale = min(1.0, seconds / size) if size > 0 else 1.0
        hours[person] = {h: (t * scale, a * scale) for h, (t, a) in day.hours[person].items()}
        apps[person] = {key: s * scale for key, s in spans.items()}
    return Contributions(hours, apps)


def add_noise(published: Published, noise: NoisePolicy) -> Published:
    """The unit-day's shown values with Laplace noise; suppressed cells stay suppressed."""
    c = noise.clip_seconds
    half = noise.epsilon_per_day / 2
    totals = [(i, v) for i, (cell, v) in enumerate(published) if v and cell.kind == TOTAL]
    others = [(i, v) for i, (cell, v) in enumerate(published) if v and cell.kind != TOTAL]
    out = list(published)
    for group, bound in ((totals, 2 * c), (others, 4 * c)):
        fields = [
            (i, f)
            for i, v in group
            for f in ("tracked", "active", "seconds")
            if getattr(v, f) is not None
        ]
        noisy = laplace([getattr(published[i][1], f) for i, f in fields], bound, half)
        for (i, f), value in zip(fields, noisy, strict=True):
            cell, current = out[i]
            assert current is not None
            changes: dict[str, Any] = {f: value}
            out[i] = (cell, replace(current, **changes))
    return out


def laplace(values: Sequence[float], bound: float, epsilon: float) -> list[float]:
    """``values`` with Laplace noise for per-person L1 ``bound`` at ``epsilon`` (OpenDP)."""
    if not values:
        return []
    dp = _opendp()
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)),
        dp.l1_distance(T=float),
        scale=bound / epsilon,
    )
    if measurement.map(bound) > epsilon * (1 + 1e-9):  # OpenDP's accounting must agree
        raise AnalyticsError("noise calibration would spend more than its epsilon")
    return [float(v) for v in measurement([float(v) for v in values])]


def suppressed(published: Published) -> Published:
    """Every cell suppressed: the unit's budget for the month is spent."""
    return [(cell, None) for cell, _ in published]


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise MissingDependency(
            "publication noise needs OpenDP: pip install 'opendp>=0.12'"
        ) from exc
    dp.enable_features("contrib")
    return dp


def spend(
    connection: Connection,
    unit: int,
    day: date,
    published: Published,
    noise: NoisePolicy,
    now: datetime,
) -> Published:
    """The unit-day noised, its epsilon written to the ledger under the unit and month; all
    suppressed if the month's budget would be exceeded."""
    account = f"publication:unit {unit}:{day:%Y-%m}"
    spent = connection.execute(
        select(func.sum(privacy_ledger.c.epsilon)).where(
            privacy_ledger.c.analyst == account, privacy_ledger.c.kind == "noise"
        )
    ).scalar_one()
    if float(spent or 0.0) + noise.epsilon_per_day > noise.budget_per_month * (1 + 1e-9):
        return suppressed(published)
    people = max((v.people for c, v in published if v and c.kind == TOTAL), default=0)
    connection.execute(
        privacy_ledger.insert().values(
            at=now, analyst=account, kind="noise", query="publication",
            scope={"period": {"first": day.isoformat(), "last": day.isoformat()},
                   "teams": [unit], "people": None},
            people=people, epsilon=noise.epsilon_per_day,
        )
    )  # fmt: skip
    return add_noise(published, noise)
