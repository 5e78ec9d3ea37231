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
        rows = sorted({i for pattern in users for i in pattern})
        place = {row: column for column, row in enumerate(rows)}  # this family's rows only
        compact = {frozenset(place[i] for i in p): p for p in users}
        shared = [c for c, p in compact.items() if len(users[p]) > 1]
        lonely = {c: next(iter(users[p])) for c, p in compact.items() if len(users[p]) == 1}
        for pattern, person in outside_span(shared, lonely, len(rows)).items():
            found.setdefault(person, compact[pattern])
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
GRAM_TOLERANCE = 1e-10  # eigenvalues of the Gram matrix are squared singular values


def _row_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning ``matrix``'s rows (from its small Gram matrix: many more
    patterns than cells)."""
    values, vectors = np.linalg.eigh(matrix.T @ matrix)
    keep = values > GRAM_TOLERANCE * max(1.0, float(values.max(initial=0.0)))
    return np.asarray(vectors[:, keep].T)


def _remainder(pattern: Pattern, basis: np.ndarray, width: int) -> np.ndarray:
    vector = _matrix([pattern], width)[0]
    return np.asarray(vector - basis.T @ (basis @ vector))


def _rank(matrix: np.ndarray) -> int:
    return int(np.linalg.matrix_rank(matrix, tol=TOLERANCE * max(1.0, float(np.abs(matrix).max()))))


def users_by_pattern(cells: Sequence[Cell], table: Table, family: str) -> dict[Pattern, set[int]]:
    """Each non-empty pattern of ``family`` and the people holding a key with it."""
    rows: dict[Key, set[int]] = defaultdict(set)
    for index, cell in enumerate(cells):
        for key in cell.over(family):
            rows[key].add(index)
    users: dict[Pattern, set[int]] = defaultdict(set)
    patterns = {key: frozenset(indices) for key, indices in rows.items()}
    for person, contributions in table[family].items():
        for key in contributions:
            if key in patterns:  # a key no cell covers is a zero column: in every span
                users[patterns[key]].add(person)
    return users


def _matrix(patterns: Sequence[Pattern], width: int) -> np.ndarray:
    matrix = np.zeros((len(patterns), width))
    for row, pattern in enumerate(patterns):
        matrix[row, sorted(pattern)] = 1.0
    return matrix
