"""The values and interfaces that capture sources share with the pipeline.

Pure data: no platform library is imported here, so the sessionizer and its tests can use
these types without a display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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
