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
        for pattern, people in users.items():
            person = next(iter(people))
            if len(people) != 1 or person in found:
                continue
            others = [q for q, who in users.items() if who - {person}]
            if not in_span(pattern, others, len(cells)):
                found[person] = pattern
    return sorted(found.items())


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


def in_span(pattern: Pattern, others: Sequence[Pattern], width: int) -> bool:
    """Whether the 0/1 vector of ``pattern`` is a linear combination of ``others``'."""
    if pattern in others:
        return True
    if not others:
        return False
    basis = _matrix(others, width)
    stacked = np.vstack([basis, _matrix([pattern], width)])
    return bool(np.linalg.matrix_rank(stacked) == np.linalg.matrix_rank(basis))


def _matrix(patterns: Sequence[Pattern], width: int) -> np.ndarray:
    matrix = np.zeros((len(patterns), width))
    for row, pattern in enumerate(patterns):
        matrix[row, sorted(pattern)] = 1.0
    return matrix
