"""Capture sources: input counts, the active window, idle state, screenshots, privacy filters.

Each source sits behind a small interface so that tests drive it under Xvfb. Importing
this package loads no platform library: pynput, python-xlib and mss are imported by the
source that needs them, when it starts. Platform window sources live in
``collector.sources.x11_window``, ``windows_window`` and ``macos_window``;
``active_window_source()`` picks one.
"""

from __future__ import annotations

from collector.sources.active_window import active_window_source
from collector.sources.base import ActiveWindowSource, InputCounts, WindowInfo
from collector.sources.idle import DEFAULT_IDLE_THRESHOLD_SECONDS, IdleTracker
from collector.sources.input_counter import InputCounter
from collector.sources.privacy_filter import (
    FilteredWindow,
    PrivacyRule,
    apply_privacy_rules,
    rules_from_policy,
)
from collector.sources.screenshot import CapturedImage, ScreenshotTaker, SealedImage
from collector.sources.sites import describe_window, site_from_title

__all__ = [
    "DEFAULT_IDLE_THRESHOLD_SECONDS",
    "ActiveWindowSource",
    "CapturedImage",
    "FilteredWindow",
    "IdleTracker",
    "InputCounter",
    "InputCounts",
    "PrivacyRule",
    "ScreenshotTaker",
    "SealedImage",
    "WindowInfo",
    "active_window_source",
    "apply_privacy_rules",
    "describe_window",
    "rules_from_policy",
    "site_from_title",
]
