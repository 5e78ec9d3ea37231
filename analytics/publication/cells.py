"""The candidate cells of one unit on one day, as sums of people's finest contributions.

Each person's day is a vector of *finest contributions*, which every published figure sums:

- family ``time``: seconds per (local hour, application): the application's span seconds
  in that hour, and under the application ``""`` the hour's tracked seconds not covered by
  spans (positive or negative). So an hour's tracked time is the sum of its keys, and so is
  any application's day, exactly, by construction;
- family ``active``: active seconds per local hour.

A cell covers some finest keys and sums every person's contributions to them; its people
are those with a non-zero contribution to any of them (the support an attacker is assumed
to know). Candidates: ``total`` (every key), ``hour`` (one hour), ``category`` (the
applications of a category), ``app`` (one application); ``other`` (the hidden applications
of a shown category) is added by ``suppress``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TIME, ACTIVE = "time", "active"
TOTAL, HOUR, CATEGORY, APP, OTHER = "total", "hour", "category", "app", "other"
UNCATEGORISED = "uncategorised"
UNSPANNED = ""  # tracked time outside any application span
Key = int | tuple[int, str]  # an hour (active), or an hour and an application (time)


@dataclass(frozen=True)
class Contributions:
    """One unit's people on one day: hour -> (tracked, active) seconds from the 10-minute
    rollups, and (hour, application) -> span seconds."""

    hours: Mapping[int, Mapping[int, tuple[float, float]]]
    apps: Mapping[int, Mapping[tuple[int, str], float]]

    @property
    def people(self) -> list[int]:
        """Everyone of the unit with tracked time on the day, in id order."""
        return sorted(p for p, hours in self.hours.items() if any(t > 0 for t, _ in hours.values()))

    def finest(self, person: int, family: str) -> dict[Key, float]:
        """``person``'s non-zero finest contributions in ``family``."""
        hours = self.hours.get(person, {})
        if family == ACTIVE:
            return {h: a for h, (_, a) in hours.items() if a}
        spans: dict[Key, float] = {key: s for key, s in self.apps.get(person, {}).items() if s}
        covered: dict[int, float] = {}
        for (hour, _), seconds in self.apps.get(person, {}).items():
            covered[hour] = covered.get(hour, 0.0) + seconds
        rest = {h: t - covered.get(h, 0.0) for h, (t, _) in hours.items()}
        rest |= {h: -s for h, s in covered.items() if h not in hours}
        return spans | {(h, UNSPANNED): r for h, r in rest.items() if r}


@dataclass(frozen=True)
class Cell:
    """A statistic: ``kind`` and ``key`` name it; it sums the finest keys it ``covers``."""

    kind: str
    key: str
    covers: frozenset[Key]  # keys of family time
    hours: frozenset[Key] = frozenset()  # keys of family active (total and hour cells)

    def over(self, family: str) -> frozenset[Key]:
        """The keys of ``family`` the cell sums."""
        return self.hours if family == ACTIVE else self.covers

    @property
    def families(self) -> tuple[str, ...]:
        """The families the cell publishes a sum of."""
        return (TIME, ACTIVE) if self.kind in (TOTAL, HOUR) else (TIME,)


@dataclass(frozen=True)
class Value:
    """A cell's people and sums (``seconds`` for applications, tracked/active for hours)."""

    people: int
    tracked: float | None = None
    active: float | None = None
    seconds: float | None = None


Table = dict[str, dict[int, dict[Key, float]]]  # family -> person -> key -> seconds


def finest_table(day: Contributions) -> Table:
    """Every person's non-zero finest contributions, per family (computed once)."""
    return {family: {p: day.finest(p, family) for p in day.people} for family in (TIME, ACTIVE)}


def candidates(table: Table, categories: Mapping[str, str]) -> list[Cell]:
    """Every cell the unit could publish for the day (before suppression, no ``other``)."""
    keys = {key for row in table[TIME].values() for key in row if isinstance(key, tuple)}
    hours = sorted({h for h, _ in keys})
    apps = sorted({a for _, a in keys if a != UNSPANNED})
    active = frozenset(h for row in table[ACTIVE].values() for h in row)
    cells = [Cell(TOTAL, "", frozenset(keys), active)]
    for hour in hours:
        in_hour = frozenset(k for k in keys if k[0] == hour)
        cells.append(Cell(HOUR, f"{hour:02d}", in_hour, active & {hour}))
    by_category: dict[str, set[str]] = {}
    for app in apps:
        by_category.setdefault(category_of(app, categories), set()).add(app)
    for category, names in sorted(by_category.items()):
        cells.append(Cell(CATEGORY, category, app_keys(keys, names)))
    cells += [Cell(APP, a, app_keys(keys, {a})) for a in apps]
    return cells


def app_keys(keys: Iterable[tuple[int, str]], apps: set[str]) -> frozenset[Key]:
    """The (hour, application) keys of ``apps`` among ``keys``."""
    return frozenset(k for k in keys if k[1] in apps)


def category_of(app: str, categories: Mapping[str, str]) -> str:
    """The category of an application or site (``uncategorised`` when not listed)."""
    return categories.get(app, UNCATEGORISED)


class Sums:
    """Per family and finest key: the sum of everyone's contributions and who contributes,
    so that any cell's value and people are unions over its keys."""

    def __init__(self, table: Table) -> None:
        self.sums: dict[str, dict[Key, float]] = {TIME: {}, ACTIVE: {}}
        self.people: dict[str, dict[Key, set[int]]] = {TIME: {}, ACTIVE: {}}
        for family, rows in table.items():
            sums, people = self.sums[family], self.people[family]
            for person, row in rows.items():
                for key, seconds in row.items():
                    sums[key] = sums.get(key, 0.0) + seconds
                    people.setdefault(key, set()).add(person)

    def who(self, keys: Iterable[Key], family: str = TIME) -> frozenset[int]:
        """Everyone contributing to any of ``keys``."""
        people = self.people[family]
        return frozenset().union(*(people.get(k, ()) for k in keys))

    def total(self, keys: Iterable[Key], family: str = TIME) -> float:
        """The sum of everyone's contributions to ``keys``."""
        sums = self.sums[family]
        return sum(sums.get(k, 0.0) for k in keys)


def value(cell: Cell, sums: Sums) -> Value:
    """The cell's people and sums."""
    people = len(sums.who(cell.covers))
    if cell.kind not in (TOTAL, HOUR):
        return Value(people, seconds=sums.total(cell.covers))
    return Value(people, tracked=sums.total(cell.covers), active=sums.total(cell.hours, ACTIVE))
