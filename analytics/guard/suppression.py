"""Which cells to hide: small cells, then their complements.

A cell covering fewer than k people is suppressed (primary). A hidden cell could still be
derived from a total and its shown siblings, so along every dimension of the table, any
group of cells (those sharing all other keys) with exactly one hidden cell hides its
smallest shown sibling too (complementary); this repeats until no group has a lone hidden
cell. Totals are then computed over shown cells only (see ``release``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any


def suppressed_cells(keys: Sequence[tuple[Any, ...]], people: Sequence[int], k: int) -> list[bool]:
    """For cells with group ``keys`` and ``people`` counts, whether each must be hidden."""
    hidden = [count < k for count in people]
    dimensions = len(keys[0]) if keys else 0
    changed = True
    while changed:
        changed = False
        for dimension in range(max(dimensions, 1)):
            for group in _groups(keys, dimension).values():
                changed |= _hide_complement(group, hidden, people)
    return hidden


def _groups(keys: Sequence[tuple[Any, ...]], dimension: int) -> dict[tuple[Any, ...], list[int]]:
    """Cells that share every key but ``dimension``: siblings summing to one margin."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[key[:dimension] + key[dimension + 1 :]].append(index)
    return groups


def _hide_complement(group: list[int], hidden: list[bool], people: Sequence[int]) -> bool:
    if sum(hidden[i] for i in group) != 1:
        return False
    shown = [i for i in group if not hidden[i]]
    if not shown:
        return False
    hidden[min(shown, key=lambda i: (people[i], i))] = True
    return True
