"""The values and interfaces that capture sources share with the pipeline.

Pure data: no platform library is imported here, so the sessionizer and its tests can use
these types without a display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


@dataclass(frozen=True)
class WindowInfo:
    """The active window: application name (kept clear), title and site (personal data).

    ``repr`` leaves out the title and site so that a logged or failing object never shows
    captured content.
    """

    app: str
    title: str | None
    site: str | None

    def __repr__(self) -> str:
        title = "None" if self.title is None else "<hidden>"
        site = "None" if self.site is None else "<hidden>"
        return f"WindowInfo(app={self.app!r}, title={title}, site={site})"


class ActiveWindowSource(Protocol):
    """Where the active window comes from (X11, Windows, macOS)."""

    def current(self) -> WindowInfo | None:
        """The active window, or None when none is active or it cannot be known."""
        ...
