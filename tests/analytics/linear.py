"""The linear attacker: published sums as rows over people's finest contributions.

Independent of the code under test: each published cell is read from its kind and key
alone (as an attacker reads a page), its value checked against the row, and the row space
searched for a vector supported on a single person (numpy ranks: the dimension of the
intersection of the row space with that person's coordinates).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

TIME, ACTIVE, UNSPANNED = "time", "active", ""
Column = tuple[Any, ...]  # (person, block, family, key)


def finest(
    hours: Mapping[int, tuple[float, float]], spans: Mapping[tuple[int, str], float]
) -> dict[tuple[str, Hashable], float]:
    """One person-day's non-zero finest contributions from hour -> (tracked, active) and
    (hour, application) -> seconds."""
    out: dict[tuple[str, Hashable], float] = {}
    for hour, (tracked, active) in hours.items():
        used = {a: s for (h, a), s in spans.items() if h == hour and s}
        out |= {(TIME, (hour, a)): s for a, s in used.items()}
        if tracked - sum(used.values()):
            out[(TIME, (hour, UNSPANNED))] = tracked - sum(used.values())
        if active:
            out[(ACTIVE, hour)] = active
    for (hour, app), seconds in spans.items():
        if hour not in hours and seconds:
            out[(TIME, (hour, app))] = seconds
            out[(TIME, (hour, UNSPANNED))] = out.get((TIME, (hour, UNSPANNED)), 0.0) - seconds
    return out


def rows_of(
    kind: str,
    key: str,
    shown_apps: set[str],
    columns: Mapping[Column, float],
    categories: Mapping[str, str],
) -> list[tuple[list[Column], str]]:
    """The published sums of one cell: (columns it adds up, which value) pairs."""

    def app(c: Column) -> str:
        return str(c[3][1]) if c[2] == TIME else UNSPANNED

    def category(c: Column) -> str:
        return categories.get(app(c), "uncategorised")

    def take(test: Any) -> list[Column]:
        return [c for c in columns if test(c)]

    if kind in ("total", "hour"):
        hour = None if kind == "total" else int(key)
        return [
            (take(lambda c: c[2] == TIME and hour in (None, c[3][0])), "tracked"),
            (take(lambda c: c[2] == ACTIVE and hour in (None, c[3])), "active"),
        ]
    if kind == "category":
        return [(take(lambda c: app(c) != UNSPANNED and category(c) == key), "seconds")]
    if kind == "app":
        return [(take(lambda c: c[2] == TIME and app(c) == key), "seconds")]
    hidden = shown_apps | {UNSPANNED}
    return [(take(lambda c: app(c) not in hidden and category(c) == key), "seconds")]


def isolated(matrix: Sequence[Sequence[Column]], columns: Sequence[Column]) -> list[Any]:
    """The people some combination of the rows (each a list of columns summed) isolates."""
    if not matrix:
        return []
    index = {c: i for i, c in enumerate(columns)}
    rows = np.zeros((len(matrix), len(columns)))
    for r, row in enumerate(matrix):
        rows[r, [index[c] for c in row]] = 1.0
    rank = np.linalg.matrix_rank(rows)
    found = []
    for person in sorted({c[0] for c in columns}):
        own = [index[c] for c in columns if c[0] == person]
        single = np.zeros((len(own), len(columns)))
        single[range(len(own)), own] = 1.0
        if rank + len(own) - np.linalg.matrix_rank(np.vstack([rows, single])) > 0:
            found.append(person)
    return found


def columns_of(rows: Any) -> dict[Column, float]:
    """Every person's finest contributions from ``analytics.publication.inputs.load_days``
    rows of one unit-day (a polars frame), as columns ``(person, None, family, key)``."""
    import polars as pl

    columns: dict[Column, float] = {}
    for person in rows["person_id"].unique().to_list():
        mine = rows.filter(pl.col("person_id") == person)
        own = mine.filter(pl.col("app") == "").select("hour", "tracked", "active").iter_rows()
        hours = {h: (t, a) for h, t, a in own}
        used = mine.filter(pl.col("app") != "").select("hour", "app", "seconds").iter_rows()
        spans = {(h, a): s for h, a, s in used}
        if any(t > 0 for t, _ in hours.values()):
            columns |= {(person, None, f, k): v for (f, k), v in finest(hours, spans).items()}
    return columns


def attack(cells: Any, columns: Mapping[Column, float], categories: Mapping[str, str]) -> list[Any]:
    """The people one unit-day's published ``cells`` (``load_published`` rows) isolate;
    asserts first that every published value is the sum its row says."""
    import polars as pl

    shown_apps = set(cells.filter(pl.col("kind") == "app")["key"])
    matrix = []
    for cell in cells.filter(~pl.col("suppressed")).iter_rows(named=True):
        for row, field in rows_of(cell["kind"], cell["key"], shown_apps, columns, categories):
            assert abs(sum(columns[c] for c in row) - cell[field]) < 1e-6, cell
            matrix.append(row)
    return isolated(matrix, list(columns))
