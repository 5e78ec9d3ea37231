"""The values and interfaces that capture sources share with the pipeline.

Pure data: no platform library is imported here, so the sessionizer and its tests can use
these types without a display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from activity.window import WindowInfo


@dataclass(frozen=True)
class InputCounts:
    """Input events counted since the previous ``InputCounter.take()``; never which key."""

    key_presses: int
    mouse_clicks: int
    mouse_moves: int
    scrolls: int

    @property
    def any(self) -> bool:
        """True if any event was counted."""
        counts = (self.key_presses, self.mouse_clicks, self.mouse_moves, self.scrolls)
        return max(counts) > 0


class ActiveWindowSource(Protocol):
    """Where the active window comes from (X11, Windows, macOS)."""

    def current(self) -> WindowInfo | None:
        """The active window, or None when none is active or it cannot be known."""
        ...


@dataclass(frozen=True)
class ScreenRect:
    """A rectangle of the screen in root (virtual desktop) pixels: all monitors together."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class VisibleWindow:
    """A window shown somewhere on the screen, and the area it covers (frame included)."""

    window: WindowInfo
    area: ScreenRect


@runtime_checkable
class VisibleWindowSource(Protocol):
    """A window source that can also list every window on screen, active or not.

    The sampler blacks out the area of each window a privacy rule matches before a
    screenshot is encoded. A platform module without such a list keeps the older, weaker
    promise (no shot while a filtered window is active); one that knows which windows are
    shown but not where may return an area covering the whole screen: the shot is then
    blacked out entirely, i.e. as good as skipped.
    """

    def visible_windows(self) -> list[VisibleWindow] | None:
        """Every mapped, not minimised top-level window; None when the list cannot be read."""
        ...
