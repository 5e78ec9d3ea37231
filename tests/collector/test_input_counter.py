"""Input counting under Xvfb with real XTEST input, and the counter's blindness to keys."""

from __future__ import annotations

import ast
import inspect
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.errors import DisplayUnavailable
from collector.sources import InputCounter, InputCounts
from tests.collector.x11 import XServer, start_xvfb, xdotool

# Lowercase letters and digits only: one key press per character, no Shift.
SECRET = "q7wz3kx9mv2pj8rt5ny4hb6gd1fc0l"
_WAIT_SECONDS = 10.0


@pytest.fixture
def counter(xvfb_display: XServer) -> Iterator[InputCounter]:
    """A started InputCounter on the session display, with the pointer parked at 5,5."""
    xdotool("mousemove", "5", "5")
    input_counter = InputCounter()
    input_counter.start()
    try:
        yield input_counter
    finally:
        input_counter.stop()


def collect(counter: InputCounter, expected: InputCounts) -> InputCounts:
    """Sum ``take()`` until ``expected`` is reached (or time is up), then a settle period."""
    total = InputCounts(0, 0, 0, 0)
    deadline = time.monotonic() + _WAIT_SECONDS
    while total != expected and time.monotonic() < deadline:
        total = add(total, counter.take())
        time.sleep(0.02)
    time.sleep(0.3)  # anything late or extra shows up now
    return add(total, counter.take())


def add(a: InputCounts, b: InputCounts) -> InputCounts:
    return InputCounts(
        a.key_presses + b.key_presses,
        a.mouse_clicks + b.mouse_clicks,
        a.mouse_moves + b.mouse_moves,
        a.scrolls + b.scrolls,
    )


def test_secret_is_counted_as_thirty_key_presses(counter: InputCounter) -> None:
    assert len(SECRET) == 30 and SECRET.isalnum() and SECRET == SECRET.lower()
    counter.take()
    xdotool("type", "--delay", "20", SECRET)
    assert collect(counter, InputCounts(30, 0, 0, 0)) == InputCounts(30, 0, 0, 0)


def test_moves_clicks_and_scrolls_are_counted_exactly(counter: InputCounter) -> None:
    counter.take()
    xdotool("mousemove", "300", "300", "mousemove", "400", "500", "mousemove", "600", "700")
    xdotool("click", "1", "click", "3", "click", "4", "click", "5", "click", "4")
    assert collect(counter, InputCounts(0, 2, 3, 3)) == InputCounts(0, 2, 3, 3)


def test_take_resets_the_counts(counter: InputCounter) -> None:
    xdotool("type", "--delay", "20", "abc")
    assert collect(counter, InputCounts(3, 0, 0, 0)).key_presses == 3
    assert counter.take() == InputCounts(0, 0, 0, 0)
    assert not counter.take().any


def test_seconds_since_last_input_follows_input(counter: InputCounter) -> None:
    xdotool("type", "a")
    collect(counter, InputCounts(1, 0, 0, 0))
    typed_by = time.monotonic()
    assert counter.seconds_since_last_input(typed_by) < 1.0
    assert counter.seconds_since_last_input(typed_by + 60) >= 59.0
    assert counter.seconds_since_last_input(0.0) == 0.0  # never negative


def test_no_count_after_stop(counter: InputCounter) -> None:
    counter.stop()
    counter.take()
    xdotool("type", "--delay", "20", "abc")
    time.sleep(0.3)
    assert counter.take() == InputCounts(0, 0, 0, 0)


def test_stop_ends_both_listener_threads(xvfb_display: XServer) -> None:
    with InputCounter() as counter:
        listeners = [getattr(counter, name) for name in ("_keyboard", "_mouse")]
        assert all(listener.is_alive() for listener in listeners)
    assert not any(listener.is_alive() for listener in listeners)


def test_counter_holds_only_numbers_a_lock_and_listeners(counter: InputCounter) -> None:
    from pynput import keyboard, mouse

    xdotool("type", "--delay", "20", SECRET)
    collect(counter, InputCounts(30, 0, 0, 0))
    assert not hasattr(counter, "__dict__")  # slots only: no attribute can be added
    allowed = (int, float, type(threading.Lock()), keyboard.Listener, mouse.Listener)
    for name in InputCounter.__slots__:
        value = getattr(counter, name)
        assert isinstance(value, allowed) and not isinstance(value, bool), name


def test_key_callback_never_reads_its_key_argument() -> None:
    source = textwrap.dedent(inspect.getsource(InputCounter._on_press))
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    key = function.args.args[1].arg
    assert key.startswith("_")
    used = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
    assert key not in used


def test_callbacks_write_no_log_record(
    counter: InputCounter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        xdotool("type", "--delay", "20", SECRET)
        collect(counter, InputCounts(30, 0, 0, 0))
    runs = {SECRET[i : i + 4] for i in range(len(SECRET) - 3)}
    messages = [record.getMessage() for record in caplog.records]
    assert not [message for message in messages if any(run in message for run in runs)]


# A listener thread that dies raises its error on its own thread: expected here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_display_without_record_extension_fails_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_xvfb(tmp_path / "xvfb.log", extra_args=("-extension", "RECORD"))
    try:
        monkeypatch.setenv("DISPLAY", server.display)
        counter = InputCounter()
        started = time.monotonic()
        with pytest.raises(DisplayUnavailable, match="did not start"):
            counter.start()
        counter.stop()  # nothing left running, and it returns at once
        assert time.monotonic() - started < 5
    finally:
        server.stop()


def test_start_without_display_is_one_clear_error() -> None:
    code = (
        "from collector.sources import InputCounter\n"
        "from collector.errors import DisplayUnavailable\n"
        "try:\n    InputCounter().start()\n"
        "except DisplayUnavailable as exc:\n    print('DisplayUnavailable:', exc)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("DisplayUnavailable: cannot count input: no display")
    assert len(result.stdout.strip().splitlines()) == 1
