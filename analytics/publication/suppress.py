"""Which cells of a unit-day are published: small cells hidden, then complements, then the
exact check.

1. A cell with fewer than k people is hidden (primary suppression).
2. Every margin a page can form must cover 0 or at least k people (complementary
   suppression, hiding the smallest shown cell until it does): the total minus the shown
   hours (tracked and active), a shown category minus its shown applications (the
   "other applications" cell, published when it covers at least k people), and the total
   minus the shown categories and shown applications of hidden categories (what no shown
   cell covers, tracked time outside spans included).
3. ``isolation.isolable`` looks for any combination of the shown cells that isolates one
   person; while it finds one, the smallest shown cell the person's lone pattern touches
   is hidden, and step 2 runs again.

A hidden application is not published at all (not even its name); hidden hours and
categories are published as suppressed cells, so that pages can say "fewer than k people".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from analytics.publication.cells import (
    ACTIVE,
    APP,
    CATEGORY,
    HOUR,
    OTHER,
    TIME,
    TOTAL,
    Cell,
    Contributions,
    Sums,
    Table,
    Value,
    candidates,
    category_of,
    finest_table,
    value,
)
from analytics.publication.isolation import isolable

Published = list[tuple[Cell, Value | None]]  # None: suppressed
ORDER = {APP: 0, HOUR: 1, CATEGORY: 2, OTHER: 3, TOTAL: 4}  # hide the finest first


def publish_day(day: Contributions, categories: Mapping[str, str], k: int) -> Published:
    """The cells one unit publishes for one day: shown with their value, or suppressed."""
    table = finest_table(day)
    state = _State(candidates(table, categories), table, categories, k)
    while state.complement() or state.isolate():
        pass
    return state.result()


class _State:
    """The candidate cells, who each covers, and which are hidden so far."""

    def __init__(
        self, cells: list[Cell], table: Table, categories: Mapping[str, str], k: int
    ) -> None:
        self.cells, self.table, self.categories, self.k = cells, table, categories, k
        self.sums = Sums(table)
        self.who = {c: self.sums.who(c.covers) for c in cells}
        self.hidden = {c for c in cells if len(self.who[c]) < k}

    def shown(self, kind: str) -> list[Cell]:
        """The shown cells of ``kind``."""
        return [c for c in self.cells if c.kind == kind and c not in self.hidden]

    def complement(self) -> bool:
        """Hide one more cell if some margin covers between 1 and k - 1 people."""
        hours = [c for c in self.cells if c.kind == HOUR]
        for family in (TIME, ACTIVE):
            if self._hide_if_small(self._pool(hours, family), self.shown(HOUR)):
                return True
        for category in self.shown(CATEGORY):
            apps = [c for c in self.cells if c.kind == APP and self._in(c, category.key)]
            if self._hide_if_small(self._pool(apps), [a for a in apps if a not in self.hidden]):
                return True
        return self._hide_if_small(self._uncovered(), self.shown(CATEGORY) + self.shown(APP))

    def isolate(self) -> bool:
        """Hide one more cell if some combination of the shown ones isolates a person."""
        shown = self.published()
        found = isolable(shown, self.table)
        if not found:
            return False
        _, pattern = found[0]
        touched = [shown[i] for i in pattern if shown[i].kind not in (TOTAL, OTHER)]
        fallback = [c for c in shown if c.kind not in (TOTAL, OTHER)] or shown
        self.hidden.add(self._smallest(touched or fallback))
        return True

    def published(self) -> list[Cell]:
        """The shown cells, with each shown category's "other applications" cell."""
        shown = [c for c in self.cells if c not in self.hidden]
        return shown + [o for o in self._others() if len(self.who[o]) >= self.k]

    def result(self) -> Published:
        """Shown cells with values; hidden hours, categories and totals as suppressed."""
        rows: Published = [(c, value(c, self.sums)) for c in self.published()]
        gone = [c for c in self.cells if c in self.hidden and c.kind != APP]
        return rows + [(c, None) for c in gone]

    def _others(self) -> list[Cell]:
        others = []
        for category in self.shown(CATEGORY):
            apps = [c for c in self.hidden if c.kind == APP and self._in(c, category.key)]
            if apps:
                covers = frozenset().union(*(a.covers for a in apps))
                cell = Cell(OTHER, category.key, covers)
                self.who[cell] = self.sums.who(covers)
                others.append(cell)
        return others

    def _in(self, app: Cell, category: str) -> bool:
        return category_of(app.key, self.categories) == category

    def _pool(self, cells: Iterable[Cell], family: str = TIME) -> set[int]:
        """People contributing to the hidden ones of ``cells`` (in ``family``)."""
        keys = frozenset().union(*(c.over(family) for c in cells if c in self.hidden))
        return set(self.sums.who(keys, family))

    def _uncovered(self) -> set[int]:
        """People with time no shown category or application covers."""
        covered = frozenset().union(*(c.covers for c in self.shown(CATEGORY) + self.shown(APP)))
        return set(self.sums.who(self.sums.sums[TIME].keys() - covered))

    def _hide_if_small(self, pool: set[int], candidates: list[Cell]) -> bool:
        if not 0 < len(pool) < self.k or not candidates:
            return False
        self.hidden.add(self._smallest(candidates))
        return True

    def _smallest(self, cells: list[Cell]) -> Cell:
        return min(cells, key=lambda c: (len(self.who[c]), ORDER[c.kind], c.key))
