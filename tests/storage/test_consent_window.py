"""The capture window: what a withdrawal or objection lets the write API keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, update

from storage.consent import CaptureWindow, capture_window, resume_capture, stop_capture
from storage.db import schema
from tests.analytics.builders import add_person, add_team

STOP = 1_775_000_000
NOW = datetime.fromtimestamp(STOP, UTC)


def test_minutes_and_spans_around_the_stop() -> None:
    window = CaptureWindow(STOP)
    assert window.allows(STOP - 60, STOP)  # the minute that ended as the right took effect
    assert not window.allows(STOP - 30, STOP + 30)  # the minute it fell in: dropped whole
    assert not window.allows(STOP)  # a screenshot at the very moment
    assert window.clip_end(STOP - 100, STOP + 500) == STOP  # a span is cut at the stop
    assert window.clip_end(STOP + 1, STOP + 500) is None


@given(
    st.integers(STOP - 10_000, STOP + 10_000),
    st.integers(0, 5_000),
    st.one_of(st.none(), st.integers(STOP, STOP + 20_000)),
)
def test_nothing_overlapping_the_stopped_interval_is_ever_allowed(
    start: int, length: int, resumed: int | None
) -> None:
    window = CaptureWindow(STOP, resumed)
    end = start + length
    inside_end = resumed if resumed is not None else 2**62
    overlaps = start < inside_end and max(end, start + 1) > STOP
    assert window.allows(start, end) is not overlaps
    clipped = window.clip_end(start, end)
    if clipped is not None:
        assert window.allows(start, clipped) or start >= inside_end


def test_stop_keeps_the_first_time_and_resume_needs_consent(engine: Engine) -> None:
    with engine.begin() as c:
        person, _ = add_person(c, add_team(c, "Core"))
        assert capture_window(c, person) == CaptureWindow()
        c.execute(update(schema.people).values(consent="withdrawn"))
        stop_capture(c, person, NOW)
        stop_capture(c, person, NOW + timedelta(minutes=5))  # an objection on top
        assert capture_window(c, person) == CaptureWindow(STOP)
        resume_capture(c, person, NOW + timedelta(hours=1))  # consent still withdrawn
        assert capture_window(c, person).stopped
        c.execute(update(schema.people).values(consent="given"))
        resume_capture(c, person, NOW + timedelta(hours=1))
        assert capture_window(c, person) == CaptureWindow(STOP, STOP + 3600)
        stop_capture(c, person, NOW + timedelta(hours=2))
        assert capture_window(c, person) == CaptureWindow(STOP + 7200)
