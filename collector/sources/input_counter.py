"""Counts keyboard and mouse input with pynput, and never keeps which key was pressed.

Privacy invariant 1 (nothing typed is recorded) holds by construction: the key callback
takes the key argument and only increments an integer; the counter's slots hold only
integers, a float, a lock and the two listeners, and a test checks both facts.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from collector.errors import DisplayUnavailable
from collector.sources.base import InputCounts

_READY_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 5.0


class InputCounter:
    """Counts key presses, mouse clicks (presses), mouse moves and scrolls.

    ``start()`` begins listening, ``take()`` returns and resets the counts, ``stop()`` ends.
    Callbacks run on pynput's threads; every count is read and reset under one lock.
    """

    __slots__ = (
        "_key_presses",
        "_keyboard",
        "_last_input",
        "_lock",
        "_mouse",
        "_mouse_clicks",
        "_mouse_moves",
        "_scrolls",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_presses = 0
        self._mouse_clicks = 0
        self._mouse_moves = 0
        self._scrolls = 0
        self._last_input = time.monotonic()
        self._keyboard: Any = None
        self._mouse: Any = None

    def start(self) -> None:
        """Start both listeners and wait until they receive events.

        Raises ``DisplayUnavailable`` when there is no display or input cannot be recorded.
        """
        if self._keyboard is not None:
            return
        try:
            from pynput import keyboard, mouse
        except ImportError as exc:
            raise DisplayUnavailable(
                "cannot count input: no display (set DISPLAY or run in a desktop session)"
            ) from exc
        self._last_input = time.monotonic()
        self._keyboard = keyboard.Listener(on_press=self._on_press)
        self._mouse = mouse.Listener(
            on_move=self._on_move, on_click=self._on_click, on_scroll=self._on_scroll
        )
        try:
            for listener in (self._keyboard, self._mouse):
                listener.start()
                _wait_ready(listener)
        except DisplayUnavailable:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop both listeners; the counts not yet taken stay available to ``take()``."""
        listeners = [item for item in (self._keyboard, self._mouse) if item is not None]
        self._keyboard = self._mouse = None
        for listener in listeners:
            _stop_listener(listener)
        for listener in listeners:
            if listener.is_alive():
                listener.join(_STOP_TIMEOUT_SECONDS)

    def take(self) -> InputCounts:
        """Return the counts since the previous call and reset them, atomically."""
        with self._lock:
            counts = InputCounts(
                self._key_presses, self._mouse_clicks, self._mouse_moves, self._scrolls
            )
            self._key_presses = self._mouse_clicks = self._mouse_moves = self._scrolls = 0
        return counts

    def seconds_since_last_input(self, now_monotonic: float) -> float:
        """Seconds from the last input event (or ``start()``) to ``now_monotonic``.

        ``now_monotonic`` is a ``time.monotonic()`` reading, the clock the callbacks use.
        """
        with self._lock:
            last = self._last_input
        return max(0.0, now_monotonic - last)

    def __enter__(self) -> InputCounter:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _on_press(self, _key: object) -> None:
        # Why the argument goes unused: no key identity may outlive this call (privacy
        # invariant 1). It is never stored, compared, logged or formatted; only the count
        # moves. A test parses this function and fails if the argument is referenced.
        with self._lock:
            self._key_presses += 1
            self._last_input = time.monotonic()

    def _on_move(self, _x: int, _y: int) -> None:
        with self._lock:
            self._mouse_moves += 1
            self._last_input = time.monotonic()

    def _on_click(self, _x: int, _y: int, _button: object, pressed: bool) -> None:
        with self._lock:
            # Why presses only: a click is a press and a release, and it counts once.
            if pressed:
                self._mouse_clicks += 1
            self._last_input = time.monotonic()

    def _on_scroll(self, _x: int, _y: int, _dx: int, _dy: int) -> None:
        with self._lock:
            self._scrolls += 1
            self._last_input = time.monotonic()


def _stop_listener(listener: Any) -> None:
    """``listener.stop()``, bounded, then end its recording at once."""
    if not listener.is_alive():
        # Why: pynput's stop() waits for the listener to become ready, which a listener
        # whose thread died never does.
        return
    stopper = threading.Thread(target=listener.stop, daemon=True)
    stopper.start()
    stopper.join(_STOP_TIMEOUT_SECONDS)
    _end_recording(listener)


def _end_recording(listener: Any) -> None:
    """Disable the listener's XRecord context over a connection of our own.

    Why: pynput 1.8 sends the disable request on the connection its own thread is blocked
    reading, so ``stop()`` takes effect only at the next input event and ``join()`` hangs
    until then (pynput PR #583). Another client may disable the context; the listener's
    loop then returns at once and pynput frees the context.
    """
    context = getattr(listener, "_context", None)
    if context is None:
        return
    from Xlib import display, error

    try:
        control = display.Display()
        try:
            control.record_disable_context(context)
            control.sync()
        finally:
            control.close()
    except (error.DisplayError, error.XError, error.ConnectionClosedError, OSError):
        pass  # the server is gone, or the context already ended: nothing left to stop


def _wait_ready(listener: Any) -> None:
    """``listener.wait()``, bounded: a listener whose thread dies is never ready.

    Why: pynput's ``wait()`` has no timeout, and on a display without the RECORD
    extension the listener thread fails before it marks itself ready.
    """
    ready = threading.Event()

    def wait_then_signal() -> None:
        listener.wait()
        ready.set()

    threading.Thread(target=wait_then_signal, daemon=True).start()
    deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
    while not ready.wait(0.05):
        if not listener.is_alive() or time.monotonic() > deadline:
            raise DisplayUnavailable(
                "cannot count input: the input listener did not start (is XRecord enabled?)"
            )
