"""Sessionizer: hand-computed cases and properties over any sample stream."""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from activity.window import WindowInfo
from collector.pipeline.sessionizer import (
    IDLE_APP,
    Batch,
    MinuteRow,
    Sample,
    Sessionizer,
    Span,
)
from collector.sources.base import InputCounts

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z, a minute and slot boundary
QUIET = InputCounts(0, 0, 0, 0)
EDITOR = WindowInfo("code", "main.py - project", None)
BROWSER = WindowInfo("firefox", "Docs - Mozilla Firefox", "docs.example.org")


def keys(n: int) -> InputCounts:
    return InputCounts(n, 0, 0, 0)


def feed(
    sessionizer: Sessionizer, start: int, seconds: int, counts: InputCounts, window: WindowInfo
) -> None:
    for ts in range(start, start + seconds):
        sessionizer.add(Sample(ts, counts, window))


def merged_spans(batches: list[Batch]) -> list[Span]:
    latest: dict[int, Span] = {}
    for batch in batches:
        for span in batch.spans:
            latest[span.start_ts] = span
    return [latest[start] for start in sorted(latest)]


def summed_minutes(batches: list[Batch]) -> dict[int, list[int]]:
    rows: dict[int, list[int]] = defaultdict(lambda: [0] * 6)
    for batch in batches:
        for row in batch.minutes:
            acc = rows[row.minute]
            for i, value in enumerate(
                (
                    row.tracked_seconds,
                    row.active_seconds,
                    row.key_presses,
                    row.mouse_clicks,
                    row.mouse_moves,
                    row.scrolls,
                )
            ):
                acc[i] += value
    return dict(rows)


def test_minute_rows_count_active_seconds_and_inputs() -> None:
    s = Sessionizer(idle_threshold=300)
    feed(s, T0, 30, keys(2), EDITOR)
    feed(s, T0 + 30, 45, QUIET, EDITOR)  # 30 quiet seconds in minute 0, 15 in minute 1
    batch = s.take(now=T0 + 75)
    assert batch.minutes == (
        MinuteRow(T0, 60, 30, 60, 0, 0, 0, closed=True),
        MinuteRow(T0 + 60, 15, 0, 0, 0, 0, 0, closed=False),
    )


def test_same_window_within_pulse_extends_one_span_and_a_switch_starts_another() -> None:
    s = Sessionizer(idle_threshold=300, pulse_seconds=5)
    feed(s, T0, 10, keys(1), EDITOR)
    feed(s, T0 + 13, 5, keys(1), EDITOR)  # a 3 s gap is within the pulse: same span
    feed(s, T0 + 18, 4, keys(1), BROWSER)
    spans = merged_spans([s.take(now=T0 + 22)])
    assert [(x.start_ts, x.end_ts, x.app, x.closed) for x in spans] == [
        (T0, T0 + 18, "code", True),
        (T0 + 18, T0 + 22, "firefox", False),
    ]
    assert spans[1].title == BROWSER.title and spans[1].site == "docs.example.org"


def test_a_gap_longer_than_the_pulse_ends_the_span() -> None:
    s = Sessionizer(idle_threshold=300, pulse_seconds=5)
    feed(s, T0, 10, keys(1), EDITOR)
    feed(s, T0 + 20, 5, keys(1), EDITOR)
    spans = merged_spans([s.take(now=T0 + 25)])
    assert [(x.start_ts, x.end_ts) for x in spans] == [(T0, T0 + 10), (T0 + 20, T0 + 25)]


def test_a_title_change_is_a_new_span() -> None:
    s = Sessionizer(idle_threshold=300)
    feed(s, T0, 5, keys(1), EDITOR)
    feed(s, T0 + 5, 5, keys(1), WindowInfo("code", "other.py - project", None))
    assert len(merged_spans([s.take(now=T0 + 10)])) == 2


def test_idle_is_retroactive_to_the_last_input_and_cuts_the_window_span() -> None:
    s = Sessionizer(idle_threshold=60)
    feed(s, T0, 10, keys(1), EDITOR)  # last input at T0 + 9
    feed(s, T0 + 10, 100, QUIET, EDITOR)  # idle detected at T0 + 69, from T0 + 10
    feed(s, T0 + 110, 5, keys(1), EDITOR)  # back to work
    spans = merged_spans([s.take(now=T0 + 115)])
    assert [(x.start_ts, x.end_ts, x.app) for x in spans] == [
        (T0, T0 + 10, "code"),
        (T0 + 10, T0 + 110, IDLE_APP),
        (T0 + 110, T0 + 115, "code"),
    ]
    assert spans[1].title is None and spans[1].site is None
    minutes = summed_minutes([s.take(now=T0 + 115)]) or {}
    assert minutes == {}  # everything was taken in the first batch


def test_idle_time_is_tracked_time_with_no_activity() -> None:
    s = Sessionizer(idle_threshold=60)
    feed(s, T0, 180, QUIET, EDITOR)
    batch = s.take(now=T0 + 180)
    assert [(m.tracked_seconds, m.active_seconds) for m in batch.minutes] == [(60, 0)] * 3
    assert [(x.start_ts, x.end_ts, x.app) for x in batch.spans] == [(T0, T0 + 180, IDLE_APP)]


def test_a_window_opened_after_the_last_input_turns_idle_under_its_own_start() -> None:
    s = Sessionizer(idle_threshold=30)
    feed(s, T0, 10, keys(1), EDITOR)
    first = s.take(now=T0 + 10)
    feed(s, T0 + 10, 5, QUIET, EDITOR)
    feed(s, T0 + 15, 40, QUIET, BROWSER)  # focus moved without input: idle from T0 + 15
    spans = merged_spans([first, s.take(now=T0 + 55)])
    assert [(x.start_ts, x.end_ts, x.app) for x in spans] == [
        (T0, T0 + 15, "code"),
        (T0 + 15, T0 + 55, IDLE_APP),
    ]


def test_an_already_reported_open_span_is_later_cut_by_idle() -> None:
    s = Sessionizer(idle_threshold=20)
    feed(s, T0, 5, keys(1), EDITOR)
    feed(s, T0 + 5, 10, QUIET, EDITOR)
    early = s.take(now=T0 + 15)
    assert [(x.end_ts, x.closed) for x in early.spans] == [(T0 + 15, False)]
    feed(s, T0 + 15, 20, QUIET, EDITOR)
    late = s.take(now=T0 + 35)
    assert [(x.start_ts, x.end_ts, x.app, x.closed) for x in late.spans] == [
        (T0, T0 + 5, "code", True),
        (T0 + 5, T0 + 35, IDLE_APP, False),
    ]


def test_a_late_loop_never_counts_a_second_twice() -> None:
    s = Sessionizer(idle_threshold=300)
    s.add(Sample(T0, QUIET, EDITOR))
    s.add(Sample(T0, keys(3), EDITOR))  # same second again
    s.add(Sample(T0 - 5, keys(1), EDITOR))  # the clock stepped back
    assert s.take(now=T0 + 1).minutes == (MinuteRow(T0, 1, 1, 4, 0, 0, 0),)


def test_pause_closes_the_span_and_minute_and_restarts_the_idle_clock() -> None:
    s = Sessionizer(idle_threshold=60)
    feed(s, T0, 10, keys(1), EDITOR)
    s.pause()
    feed(s, T0 + 200, 30, QUIET, EDITOR)  # resumed: not idle yet, 30 s < 60 s
    batch = s.take(now=T0 + 230)
    assert [(x.start_ts, x.end_ts, x.app, x.closed) for x in batch.spans] == [
        (T0, T0 + 10, "code", True),
        (T0 + 200, T0 + 230, "code", False),
    ]
    assert [(m.minute, m.tracked_seconds, m.closed) for m in batch.minutes] == [
        (T0, 10, True),
        (T0 + 180, 30, False),
    ]


def test_a_minute_whose_rows_were_taken_is_reported_closed_when_time_moves_on() -> None:
    s = Sessionizer(idle_threshold=300)
    feed(s, T0 + 50, 10, keys(1), EDITOR)
    assert [m.closed for m in s.take(now=T0 + 60).minutes] == [False]
    feed(s, T0 + 60, 2, keys(1), EDITOR)
    assert [(m.minute, m.tracked_seconds, m.closed) for m in s.take(now=T0 + 62).minutes] == [
        (T0, 0, True),
        (T0 + 60, 2, False),
    ]


def test_silence_for_longer_than_a_pulse_closes_everything_at_take() -> None:
    s = Sessionizer(idle_threshold=300, pulse_seconds=5)
    feed(s, T0, 3, keys(1), EDITOR)
    s.take(now=T0 + 3)
    batch = s.take(now=T0 + 9)
    assert [x.closed for x in batch.spans] == [True]
    assert [m.closed for m in batch.minutes] == [True]


def test_no_window_means_no_span_but_tracked_time() -> None:
    s = Sessionizer(idle_threshold=300)
    for ts in range(T0, T0 + 10):
        s.add(Sample(ts, keys(1), None))
    batch = s.take(now=T0 + 10)
    assert batch.spans == ()
    assert batch.minutes[0].tracked_seconds == 10


def test_span_repr_hides_the_title() -> None:
    assert "main.py" not in repr(Span(T0, T0 + 1, "code", "main.py", None))


windows = st.sampled_from([EDITOR, BROWSER, WindowInfo("code", "b.py", None), None])
steps = st.lists(
    st.tuples(
        st.integers(min_value=-2, max_value=12),  # seconds to the next sample (<= 0: late)
        st.booleans(),  # any input
        windows,
        st.sampled_from(["sample", "sample", "sample", "take", "pause"]),
    ),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(steps, st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=8))
def test_properties_hold_for_any_sample_stream(
    plan: list[tuple[int, bool, WindowInfo | None, str]], threshold: int, pulse: int
) -> None:
    s = Sessionizer(idle_threshold=threshold, pulse_seconds=pulse)
    ts, sampled, batches = T0 + 17, [], []
    for step, active, window, action in plan:
        if action == "take":
            batches.append(s.take(now=ts + 1))
        elif action == "pause":
            s.pause()
        else:
            ts += max(step, 0)
            sampled.append(ts + min(step, 0))  # a negative step is a late or stepped-back clock
            s.add(Sample(sampled[-1], keys(1) if active else QUIET, window))
    batches.append(s.take(now=ts + 1))
    minutes = summed_minutes(batches)
    assert all(0 <= row[1] <= row[0] <= 60 for row in minutes.values())
    assert all(minute % 60 == 0 for minute in minutes)
    spans = merged_spans(batches)
    assert all(a.end_ts <= b.start_ts for a, b in itertools.pairwise(spans))
    assert all(x.start_ts < x.end_ts for x in spans)
    run_time = max(sampled) + 1 - min(sampled) if sampled else 0
    assert sum(x.end_ts - x.start_ts for x in spans) <= run_time
    assert sum(row[0] for row in minutes.values()) <= run_time
