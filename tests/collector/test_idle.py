"""Idle detection: the threshold, the return to activity, and the idle seconds counted."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collector.sources import DEFAULT_IDLE_THRESHOLD_SECONDS, IdleTracker
from storage.policies import DEFAULT_POLICIES


def test_default_threshold_is_the_policy_default() -> None:
    assert DEFAULT_IDLE_THRESHOLD_SECONDS == DEFAULT_POLICIES["idle_threshold_seconds"] == 300
    assert IdleTracker().threshold_seconds == 300.0


def test_idle_after_the_threshold_without_input() -> None:
    tracker = IdleTracker(300)
    assert tracker.observe(1000.0, had_input=False) is False  # the first observation: t0
    assert tracker.observe(1299.0, had_input=False) is False
    assert tracker.idle_seconds == 0.0 and tracker.idle_since is None
    assert tracker.observe(1300.0, had_input=False) is True
    assert tracker.idle_since == 1000.0
    assert tracker.idle_seconds == 300.0  # counted from the last input (here: the start)


def test_input_ends_idle_and_the_stretch_is_counted_to_it() -> None:
    tracker = IdleTracker(60)
    tracker.observe(0.0, had_input=True)
    tracker.observe(10.0, had_input=True)
    assert tracker.observe(100.0, had_input=False) is True
    assert tracker.idle_seconds == 90.0
    assert tracker.observe(130.0, had_input=True) is False
    assert tracker.idle_seconds == 120.0  # 10 -> 130
    assert tracker.idle_since is None
    tracker.observe(189.0, had_input=False)
    assert not tracker.is_idle and tracker.idle_seconds == 120.0
    tracker.observe(250.0, had_input=False)
    assert tracker.is_idle and tracker.idle_seconds == 120.0 + 120.0  # 130 -> 250


def test_input_keeps_it_active() -> None:
    tracker = IdleTracker(5)
    for second in range(100):
        assert tracker.observe(float(second), had_input=True) is False
    assert tracker.idle_seconds == 0.0


def test_a_clock_going_back_counts_as_no_time() -> None:
    tracker = IdleTracker(10)
    tracker.observe(100.0, had_input=True)
    assert tracker.observe(50.0, had_input=False) is False
    assert tracker.observe(111.0, had_input=False) is True
    assert tracker.idle_seconds == 11.0


@pytest.mark.parametrize("threshold", [0, -1, math.inf, math.nan, True, "300"])
def test_bad_threshold_is_refused(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold_seconds"):
        IdleTracker(threshold)  # type: ignore[arg-type]


steps = st.lists(
    st.tuples(st.floats(min_value=0, max_value=400, allow_nan=False), st.booleans()),
    max_size=60,
)


@given(st.floats(min_value=1, max_value=600), steps)
def test_matches_a_simple_model(threshold: float, observations: list[tuple[float, bool]]) -> None:
    tracker = IdleTracker(threshold)
    now, last_input, previous_idle_seconds = 0.0, 0.0, 0.0
    tracker.observe(now, had_input=False)
    for step, had_input in observations:
        now += step
        idle = tracker.observe(now, had_input)
        if had_input:
            last_input = now
        assert idle == (not had_input and now - last_input >= threshold)
        assert previous_idle_seconds <= tracker.idle_seconds <= now + 1e-6
        previous_idle_seconds = tracker.idle_seconds
