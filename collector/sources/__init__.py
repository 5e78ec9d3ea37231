"""Capture sources: input counts, the active window, idle state, screenshots.

The window record, privacy filters and site rules are shared with the service and the
importers, so they live in the ``activity`` package.

Each source sits behind a small interface so that tests drive it under Xvfb. Importing
this package loads no platform library: pynput, python-xlib and mss are imported by the
source that needs them, when it starts. Platform window sources live in
``collector.sources.x11_window``, ``windows_window`` and ``macos_window``;
``active_window_source()`` picks one.
"""

from __future__ import annotations

from collector.sources.active_window import active_window_source
from collector.sources.base import ActiveWindowSource, InputCounts
from collector.sources.idle import DEFAULT_IDLE_THRESHOLD_SECONDS, IdleTracker
from collector.sources.input_counter import InputCounter
from collector.sources.screenshot import CapturedImage, ScreenshotTaker, SealedImage

__all__ = [
    "DEFAULT_IDLE_THRESHOLD_SECONDS",
    "ActiveWindowSource",
    "CapturedImage",
    "IdleTracker",
    "InputCounter",
    "InputCounts",
    "ScreenshotTaker",
    "SealedImage",
    "active_window_source",
]
