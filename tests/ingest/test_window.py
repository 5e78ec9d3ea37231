"""The ingest window and the in-flight limit as pure logic (the clock is a parameter)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.errors import BadRequest
from ingest.ratelimit import InFlight
from ingest.window import MAX_SPAN_SECONDS, window_at, window_from
from storage.policies import validate_policy

NOW = st.integers(1_600_000_000, 4_000_000_000)
SECONDS = st.integers(-(10**12), 10**12)


@given(NOW, st.integers(1, 3650), st.integers(1, 10**4), SECONDS)
def test_a_time_passes_exactly_when_it_lies_in_the_window(
    now: int, back: int, ahead: int, value: int
) -> None:
    window = window_at(now, back, ahead)
    inside = now - back * 86400 <= value <= now + ahead * 60
    try:
        window.check(value, "field 'minute'")
    except BadRequest as exc:
        assert not inside and "clock" in str(exc)
    else:
        assert inside


@given(NOW, SECONDS, st.integers(MAX_SPAN_SECONDS + 1, 10**12))
def test_a_span_over_a_day_is_refused_wherever_it_lies(now: int, start: int, length: int) -> None:
    with pytest.raises(BadRequest, match="at most"):
        window_at(now, 3650, 10**4).check_span(start, start + length)


def test_the_window_defaults_to_a_week_back_and_five_minutes_ahead() -> None:
    window = window_from({}, 1_780_000_000)
    assert (window.earliest, window.latest) == (1_780_000_000 - 7 * 86400, 1_780_000_300)
    wider = window_from({"ingest_window_back_days": 30, "ingest_window_ahead_minutes": 60}, 0)
    assert (wider.earliest, wider.latest) == (-30 * 86400, 3600)


def test_in_flight_slots_are_per_device_and_given_back() -> None:
    busy = InFlight(2)
    assert busy.enter(1) and busy.enter(1) and not busy.enter(1)
    assert busy.enter(2)  # another device is served
    busy.leave(1)
    assert busy.enter(1)
    for key in (1, 1, 2):
        busy.leave(key)
    assert busy._counts == {}  # idle devices cost no memory


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ingest_window_back_days", 0),
        ("ingest_window_ahead_minutes", -5),
        ("ingest_window_back_days", 10**9),
    ],
)
def test_the_window_policies_must_be_positive_and_sane(name: str, value: int) -> None:
    with pytest.raises(ValueError, match=name):
        validate_policy(name, value)
    validate_policy(name, 30)
