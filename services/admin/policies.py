"""Policy changes from the workbench: checked beyond their type, stored together, audited.

``storage.policies.validate_policy`` checks each value's type, k >= 3 and positive seconds;
here the nested policies are checked too (retention periods per known category, category
ratings per existing team), and a form that saves several policies saves all or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from analytics.categories import RATINGS
from services.admin.base import admin_transaction, record
from services.errors import AdminRefused, NeedsConfirmation
from storage.accounts import user_row
from storage.db.schema import people, teams
from storage.policies import DEFAULT_POLICIES, load_policies, set_policy

LONGEST_RETENTION_DAYS = 36_500  # a hundred years: anything longer is a typing slip


def _check_retention(value: Mapping[str, Any]) -> None:
    known = DEFAULT_POLICIES["retention_days"]
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise AdminRefused(f"retention_days: unknown category {unknown[0]!r}")
    for category, days in value.items():
        if isinstance(days, bool) or not isinstance(days, int):
            raise AdminRefused(f"retention_days.{category} must be a whole number of days")
        if not 1 <= days <= LONGEST_RETENTION_DAYS:
            raise AdminRefused(
                f"retention_days.{category} must be 1-{LONGEST_RETENTION_DAYS} days, got {days}"
            )


def _check_ratings(connection: Connection, value: Mapping[str, Any]) -> None:
    if "default" not in value:
        raise AdminRefused("category_ratings must keep its 'default' ratings")
    names = set(connection.execute(select(teams.c.name)).scalars()) | {"default"}
    categories = set(load_policies(connection)["app_categories"].values())
    categories |= set(DEFAULT_POLICIES["category_ratings"]["default"])
    for team, ratings in value.items():
        if team not in names:
            raise AdminRefused(f"category_ratings: no team named {team!r}")
        if not isinstance(ratings, Mapping):
            raise AdminRefused(f"category_ratings.{team} must map categories to ratings")
        for category, rating in ratings.items():
            if category not in categories:
                raise AdminRefused(f"category_ratings: unknown category {category!r}")
            if rating not in RATINGS:
                raise AdminRefused(f"category ratings must be one of {', '.join(RATINGS)}")


def _check_k(connection: Connection, k: int, confirmed: bool) -> None:
    """k above everyone enrolled publishes nothing ever: refused. k above the largest team
    empties the team dashboards (only folded units could still reach it): confirmed only.

    Without anyone enrolled yet there is nothing to compare with, so any k >= 3 is taken.
    """
    sizes = select(func.count().label("size")).select_from(people).group_by(people.c.team_id)
    counts = [int(n) for n in connection.execute(sizes).scalars()]
    if not counts:
        return
    if k > sum(counts):
        raise AdminRefused(
            f"k_anonymity {k} is above the {sum(counts)} people enrolled: no figure could "
            "ever be published"
        )
    if k > max(counts) and not confirmed:
        raise NeedsConfirmation(
            f"k_anonymity {k} is above the largest team ({max(counts)} people), so the team "
            "dashboards would be empty; confirm to save it anyway"
        )


def check_policy(connection: Connection, name: str, value: Any, confirmed: bool = False) -> None:
    """AdminRefused if ``value`` is not acceptable for policy ``name``; NeedsConfirmation if
    it is acceptable only when ``confirmed``."""
    if name not in DEFAULT_POLICIES:
        raise AdminRefused(f"unknown policy {name!r}")
    if isinstance(DEFAULT_POLICIES[name], dict) and not isinstance(value, dict):
        raise AdminRefused(f"policy {name} must be an object")
    if name == "retention_days":
        _check_retention(value)
    elif name == "category_ratings":
        _check_ratings(connection, value)
    elif name == "k_anonymity" and isinstance(value, int) and not isinstance(value, bool):
        _check_k(connection, value, confirmed)


def change_policies(
    engine: Engine,
    actor_id: int,
    values: Mapping[str, Any],
    now: datetime,
    *,
    confirmed: bool = False,
) -> list[str]:
    """Validate and store every policy in ``values`` in one transaction; return the names
    that changed (an unchanged value is not rewritten). ``confirmed``: the admin confirmed
    a value with drastic effects (``NeedsConfirmation`` otherwise)."""
    with admin_transaction(engine, actor_id) as connection:
        by = str(user_row(connection, actor_id).username)  # type: ignore[union-attr]
        current = load_policies(connection)
        changed = sorted(name for name, value in values.items() if current.get(name) != value)
        for name in changed:
            check_policy(connection, name, values[name], confirmed)
            set_policy(connection, name, values[name], by, now)  # ValueError -> AdminRefused
            record(connection, actor_id, "policy.changed", None, {"policy": name}, now)
        return changed
