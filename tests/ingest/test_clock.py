"""The device clock as pure logic: measured offset, consent skew, window in server time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.clock import DEFAULT_MAX_SKEW_MINUTES, device_clock, max_skew_seconds
from ingest.errors import BadRequest
from ingest.window import window_from
from storage.consent import CaptureWindow, Skew
from storage.policies import validate_policy

NOW = 1_780_000_000
HOUR = 3600


def test_a_clock_behind_moves_times_later_against_a_stop_and_never_earlier() -> None:
    clock = device_clock(str(NOW - 600), NOW, HOUR)
    assert clock.offset == 600 and clock.skew == Skew(0, 600)


def test_a_clock_ahead_is_believed_for_the_window_but_not_against_a_stop() -> None:
    clock = device_clock(f"{NOW + 600.4:.3f}", NOW, HOUR)
    assert clock.offset == -600 and clock.skew == Skew(-600, 0)


def test_no_header_means_an_unknown_clock_judged_at_the_worst_tolerated_skew() -> None:
    for header in (None, "", "  "):
        clock = device_clock(header, NOW, HOUR)
        assert clock.offset == 0 and clock.skew == Skew(-HOUR, HOUR)


@pytest.mark.parametrize("header", ["soon", "nan", "inf", "-inf", "1e999", "0x10"])
def test_a_malformed_clock_is_refused(header: str) -> None:
    with pytest.raises(BadRequest, match="X-Traq-Device-Clock"):
        device_clock(header, NOW, HOUR)


@pytest.mark.parametrize(
    ("claimed", "side"), [(NOW + HOUR + 1, "ahead of"), (NOW - HOUR - 1, "behind")]
)
def test_a_clock_beyond_the_tolerated_skew_is_refused(claimed: int, side: str) -> None:
    with pytest.raises(BadRequest, match=f"{HOUR + 1} s {side} the service's"):
        device_clock(str(claimed), NOW, HOUR)


CLAIM = st.integers(-HOUR, HOUR)
AFTER = st.integers(0, 10 * HOUR)  # seconds after the stop (server time) of a capture


@given(CLAIM, AFTER)
def test_an_honest_device_gets_nothing_captured_after_a_stop_kept(real: int, after: int) -> None:
    """A device whose clock is ``real`` s off (either way) and says so: nothing after the stop."""
    stop = NOW - 20 * HOUR
    stamped = stop + after - real  # the capture's server time, in the device's clock
    clock = device_clock(str(NOW - real), NOW, HOUR)
    assert not CaptureWindow(stop).allows(stamped, None, clock.skew)
    assert not CaptureWindow(stop).allows(stamped - stamped % 60, stamped - stamped % 60 + 60,
                                          clock.skew)  # fmt: skip


@given(st.integers(0, HOUR), CLAIM, AFTER)
def test_lying_about_the_clock_keeps_nothing_captured_after_a_stop(
    ahead: int, claimed: int, after: int
) -> None:
    """A device stamping with a clock ``ahead`` s ahead (or right) claims any clock: all dropped.

    (A device that stamps earlier than its capture, by a clock set behind and not owned up
    to, forges its times: no clock measurement catches that; see ``ingest.clock``.)
    """
    stop = NOW - 20 * HOUR
    stamped = stop + after + ahead
    clock = device_clock(str(NOW - claimed), NOW, HOUR)
    assert not CaptureWindow(stop).allows(stamped, None, clock.skew)


def test_the_window_lies_around_the_devices_clock() -> None:
    behind = window_from({}, NOW, 600)
    assert (behind.earliest, behind.latest) == (NOW - 600 - 7 * 86400, NOW - 600 + 300)
    ahead = window_from({}, NOW, -600)
    assert ahead.latest == NOW + 600 + 300


def test_the_tolerated_skew_is_a_policy_of_one_to_1440_minutes() -> None:
    assert max_skew_seconds({}) == DEFAULT_MAX_SKEW_MINUTES * 60
    assert max_skew_seconds({"ingest_clock_max_skew_minutes": 10}) == 600
    validate_policy("ingest_clock_max_skew_minutes", 30)
    for bad in (0, 1441):
        with pytest.raises(ValueError, match="ingest_clock_max_skew_minutes"):
            validate_policy("ingest_clock_max_skew_minutes", bad)


def test_a_span_is_cut_where_it_may_reach_the_stop_in_server_time() -> None:
    stop = NOW
    window = CaptureWindow(stop)
    assert window.clip_end(stop - 900, stop - 100, Skew(0, 600)) == stop - 600
    assert window.clip_end(stop - 500, stop - 100, Skew(0, 600)) is None
    assert window.clip_end(stop - 900, stop - 700, Skew(-600, 0)) == stop - 700


def test_after_a_resume_a_clock_claimed_behind_does_not_pull_times_into_capture() -> None:
    resumed = CaptureWindow(NOW - 3600, NOW)
    # stamped 100 s before the resume: a device claiming to be 10 min behind gains nothing
    assert not resumed.allows(NOW - 100, NOW - 40, device_clock(str(NOW - 600), NOW, HOUR).skew)
    # a device ahead by 10 min: what it stamps in the first 10 min after the resume is dropped
    assert not resumed.allows(NOW + 300, NOW + 360, device_clock(str(NOW + 600), NOW, HOUR).skew)
    assert resumed.allows(NOW + 700, NOW + 760, device_clock(str(NOW + 600), NOW, HOUR).skew)
