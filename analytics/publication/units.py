"""Units: per local day, the groups of teams whose people are published together.

A team with at least k people on the day is its own unit; a smaller team folds into a
neighbour (the team the admin named in the ``fold`` policy, else the next team by name),
again and again until every unit holds at least k people. Every person with data on the day
counts in exactly one unit, so no unit is ever published both with and without a member
group on the same day. If the whole organisation has fewer than k people on a day, that day
has no unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Team:
    """A team on one day: its id, its name and how many people have data."""

    team_id: int
    name: str
    people: int


def form_units(teams: list[Team], k: int, fold: Mapping[str, str]) -> dict[int, int]:
    """Team id -> unit id (the id of the team the unit is named after, its host)."""
    ordered = sorted((t for t in teams if t.people > 0), key=lambda t: (t.name, t.team_id))
    by_name = {t.name: t for t in ordered}
    host = {t.team_id: t.team_id for t in ordered}
    size = {t.team_id: t.people for t in ordered}  # by host
    while True:
        hosts = [t.team_id for t in ordered if host[t.team_id] == t.team_id]
        small = [h for h in hosts if size[h] < k]
        if not small or len(hosts) == 1:
            break
        moving = small[0]
        target = _target(moving, hosts, by_name, fold, host, ordered)
        for team_id, current in host.items():
            if current == moving:
                host[team_id] = target
        size[target] += size.pop(moving)
    return {t: h for t, h in host.items() if size[h] >= k}


def _target(
    moving: int,
    hosts: list[int],
    by_name: Mapping[str, Team],
    fold: Mapping[str, str],
    host: Mapping[int, int],
    ordered: list[Team],
) -> int:
    """Where the unit hosted by ``moving`` goes: the admin's choice if that team is in
    another unit today, else the next unit by its host's name (wrapping around)."""
    name = next(t.name for t in ordered if t.team_id == moving)
    chosen = by_name.get(fold.get(name, ""))
    if chosen is not None and host[chosen.team_id] != moving:
        return host[chosen.team_id]
    return hosts[(hosts.index(moving) + 1) % len(hosts)]
