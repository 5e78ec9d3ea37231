"""The exact check: can any combination of a unit-day's published cells isolate one person?

Write each published sum as a row over columns (person, finest key), 1 where the cell covers
the key and the person's contribution to it is non-zero (the attacker is assumed to know
who contributes where, only not how much). A vector supported on person p lies in the row
space iff some column of p is outside the span of the other people's columns (then some
combination of cells vanishes on everyone else and not on p). Columns are equal for every
(person, key) with the same *pattern* (the set of rows covering the key), so the check runs
over distinct patterns: a pattern two people share is in the others' span at once; only a
pattern a single person holds needs a rank computation.

Cells of different unit-days share no person-day and the two families share no key, so the
row space of everything ever published is the direct sum of these small blocks: checking
each block when it is published is exact for the whole publication.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from analytics.publication.cells import ACTIVE, TIME, Cell, Key, Table

Pattern = frozenset[int]


def isolable(cells: Sequence[Cell], table: Table) -> list[tuple[int, Pattern]]:
    """``(person, pattern)`` for each person a combination of ``cells`` isolates, with one
    of their patterns (indices into ``cells``) that no one else's patterns span."""
    found: dict[int, Pattern] = {}
    for family in (TIME, ACTIVE):
        users = users_by_pattern(cells, table, family)
        shared = [p for p, who in users.items() if len(who) > 1]
        lonely = {p: next(iter(who)) for p, who in users.items() if len(who) == 1}
        for pattern, person in outside_span(shared, lonely, len(cells)).items():
            found.setdefault(person, pattern)
    return sorted(found.items())


def outside_span(
    shared: Sequence[Pattern], lonely: dict[Pattern, int], width: int
) -> dict[Pattern, int]:
    """The lonely patterns (each held by one person) outside the span of every pattern held
    by someone else: the shared ones and other people's lonely ones.

    The shared span is common to everyone: project it out once, then compare the small
    remainders of the lonely patterns with each other."""
    basis = _row_basis(_matrix(shared, width)) if shared else np.zeros((0, width))
    rest = {p: _remainder(p, basis, width) for p in lonely}
    live = {p: r for p, r in rest.items() if np.abs(r).max() > TOLERANCE}
    outside: dict[Pattern, int] = {}
    for pattern, remainder in live.items():
        person = lonely[pattern]
        others = [r for p, r in live.items() if lonely[p] != person]
        if not others:
            outside[pattern] = person
            continue
        stacked = np.vstack(others)
        with_it = np.vstack([stacked, remainder])
        if _rank(with_it) > _rank(stacked):
            outside[pattern] = person
    return outside


TOLERANCE = 1e-8


def _row_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning ``matrix``'s rows."""
    _, values, rows = np.linalg.svd(matrix, full_matrices=False)
    return rows[values > TOLERANCE * max(1.0, float(values.max(initial=0.0)))]


def _remainder(pattern: Pattern, basis: np.ndarray, width: int) -> np.ndarray:
    vector = _matrix([pattern], width)[0]
    return vector - basis.T @ (basis @ vector)


def _rank(matrix: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(matrix, tol=TOLERANCE * max(1.0, float(np.abs(matrix).max()))))


def users_by_pattern(cells: Sequence[Cell], table: Table, family: str) -> dict[Pattern, set[int]]:
    """Each non-empty pattern of ``family`` and the people holding a key with it."""
    rows = [i for i, c in enumerate(cells) if family in c.families]
    patterns: dict[Key, Pattern] = {}
    users: dict[Pattern, set[int]] = defaultdict(set)
    for person, contributions in table[family].items():
        for key in contributions:
            if key not in patterns:
                patterns[key] = frozenset(i for i in rows if cells[i].covers_key(family, key))
            if patterns[key]:  # a key no cell covers is a zero column: in every span
                users[patterns[key]].add(person)
    return users


def _matrix(patterns: Sequence[Pattern], width: int) -> np.ndarray:
    matrix = np.zeros((len(patterns), width))
    for row, pattern in enumerate(patterns):
        matrix[row, sorted(pattern)] = 1.0
    return matrix
