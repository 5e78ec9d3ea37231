"""Organisation-level facts that describe no individual: sizes, data span, the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from storage.db.schema import activity_daily, people, teams
from storage.facade import Storage
from storage.policies import load_policies


@dataclass(frozen=True)
class OrganisationSummary:
    """Counts and the covered period; never a figure about one person."""

    teams: int
    people: int
    first_day: date | None
    last_day: date | None
    policies: dict[str, Any]


def organisation_summary(storage: Storage) -> OrganisationSummary:
    """How big the organisation is, which days hold data, and the policy in force."""
    with storage.engine.connect() as connection:
        team_count = connection.execute(select(func.count()).select_from(teams)).scalar_one()
        people_count = connection.execute(select(func.count()).select_from(people)).scalar_one()
        first_day, last_day = connection.execute(
            select(func.min(activity_daily.c.day), func.max(activity_daily.c.day))
        ).one()
        policy = load_policies(connection)
    return OrganisationSummary(team_count, people_count, first_day, last_day, policy)
