"""Organisation-level facts that describe no individual: sizes, published span, the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from analytics.publication.read import published_span
from storage.db.schema import people, teams
from storage.facade import Storage
from storage.policies import load_policies


@dataclass(frozen=True)
class OrganisationSummary:
    """Counts and the covered period; never a figure about one person."""

    teams: int
    people: int
    first_day: date | None  # the first and last published days holding figures
    last_day: date | None
    policies: dict[str, Any]


def organisation_summary(storage: Storage) -> OrganisationSummary:
    """How big the organisation is, which days are published, and the policy in force."""
    with storage.engine.connect() as connection:
        team_count = connection.execute(select(func.count()).select_from(teams)).scalar_one()
        people_count = connection.execute(select(func.count()).select_from(people)).scalar_one()
        first_day, last_day = published_span(connection)
        policy = load_policies(connection)
    return OrganisationSummary(team_count, people_count, first_day, last_day, policy)
