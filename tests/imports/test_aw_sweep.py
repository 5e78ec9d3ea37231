"""The sweeps are aw-core's transforms: the same output for any events (Hypothesis)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aw_core.models import Event
from aw_transform import filter_period_intersect
from aw_transform import flood as aw_flood
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.imports.aw_format import AwEvent
from analytics.imports.aw_sweep import flood, intersect, subtract, union

T0 = 1767607200.0
DATA = [{"app": "A"}, {"app": "B"}, {"app": "C"}]
# Starts and durations on a 2 ms grid: aw-core's Event truncates timestamps to whole
# milliseconds, so flood's midpoints (half a gap) stay exact. Gaps around the 5 s pulsetime,
# overlaps, zero-length events and exact touches all come up.
_events = st.lists(
    st.tuples(st.integers(0, 30_000), st.integers(0, 6_000), st.integers(0, len(DATA) - 1)).map(
        lambda t: (2 * t[0], 2 * t[1], t[2])
    ),
    max_size=25,
)


@pytest.fixture(autouse=True)
def _quiet_flood() -> Iterator[None]:
    logging.disable(logging.WARNING)  # aw_transform.flood warns once per overlapping batch
    yield
    logging.disable(logging.NOTSET)


def _ours(raw: list[tuple[int, int, int]]) -> list[AwEvent]:
    events = [AwEvent(T0 + s / 1000, d / 1000, DATA[k]) for s, d, k in raw]
    return sorted(events, key=lambda e: (e.start, e.duration))


def _theirs(raw: list[tuple[int, int, int]]) -> list[Event]:
    return [
        Event(timestamp=datetime.fromtimestamp(T0, UTC) + timedelta(milliseconds=s),
              duration=timedelta(milliseconds=d), data=dict(DATA[k]))
        for s, d, k in raw
    ]  # fmt: skip


def _as_pieces(events: list[Event]) -> list[tuple[float, float, str]]:
    return [
        (e.timestamp.timestamp(), (e.timestamp + e.duration).timestamp(), e.data.get("app", ""))
        for e in events
    ]


@settings(max_examples=400, deadline=None)
@given(_events)
# Found by Hypothesis: a gap of exactly -0.1 s, which floats made -0.0999...
@example(raw=[(0, 350, 0), (250, 0, 1)])
@example(raw=[(0, 350, 0), (250, 0, 1), (252, 0, 0)])
def test_flood_is_aw_transform_flood(raw: list[tuple[int, int, int]]) -> None:
    ours = [(s, e, d["app"]) for s, e, d in flood(_ours(raw))]
    theirs = _as_pieces(aw_flood(_theirs(raw)))
    assert len(ours) == len(theirs)
    for (s1, e1, a1), (s2, e2, a2) in zip(ours, theirs, strict=True):
        assert a1 == a2 and s1 == pytest.approx(s2, abs=1e-5) and e1 == pytest.approx(e2, abs=1e-5)


@settings(max_examples=300, deadline=None)
@given(_events, _events)
def test_intersect_is_filter_period_intersect(
    raw: list[tuple[int, int, int]], keep: list[tuple[int, int, int]]
) -> None:
    windows = aw_flood(_theirs(raw))
    periods = union((s, e) for s, e, _ in _as_pieces(_theirs(keep)))
    filters = [
        Event(timestamp=datetime.fromtimestamp(s, UTC), duration=timedelta(seconds=e - s))
        for s, e in periods
    ]
    theirs = _as_pieces(filter_period_intersect(windows, filters))
    ours = list(intersect(_as_pieces(windows), periods))
    assert len(ours) == len(theirs)
    for (s1, e1, a1), (s2, e2, a2) in zip(ours, theirs, strict=True):
        assert a1 == a2 and s1 == pytest.approx(s2, abs=1e-5) and e1 == pytest.approx(e2, abs=1e-5)


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 30)), max_size=12),
       st.lists(st.tuples(st.integers(0, 100), st.integers(0, 30)), max_size=12))  # fmt: skip
def test_subtract_leaves_exactly_the_seconds_outside(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    left = union((s, s + d) for s, d in a)
    cut = union((s, s + d) for s, d in b)
    kept = subtract(left, cut)
    inside = {t for s, e in left for t in range(int(s), int(e))}
    removed = {t for s, e in cut for t in range(int(s), int(e))}
    assert {t for s, e in kept for t in range(int(s), int(e))} == inside - removed
    assert kept == union(kept)  # sorted, disjoint, not touching
