"""What the spool holds and hands to the uploader: plain records, no plaintext titles."""

from __future__ import annotations

from dataclasses import dataclass

from collector.spool.files import ScreenshotName


@dataclass(frozen=True)
class SealedSpan:
    """A span as the spool holds it: the title already sealed (or dropped)."""

    start_ts: int
    end_ts: int
    app: str
    site: str | None
    title_ct: bytes | None
    closed: bool


@dataclass(frozen=True)
class PendingMinute:
    """A minute row to send, and the revision being sent."""

    person_id: int
    device_id: int
    minute: int
    active_seconds: int
    key_presses: int
    mouse_clicks: int
    mouse_moves: int
    scrolls: int
    rev: int


@dataclass(frozen=True)
class PendingSpan:
    """A span to send (replacing any earlier state under its start), and its revision."""

    person_id: int
    device_id: int
    start_ts: int
    end_ts: int
    app: str
    site: str | None
    title_ct: bytes | None
    rev: int

    def __repr__(self) -> str:
        return f"PendingSpan({self.start_ts}-{self.end_ts}, app={self.app!r}, rev={self.rev})"


PendingScreenshot = ScreenshotName


@dataclass(frozen=True)
class SpoolCounts:
    """Items waiting for a sink."""

    minutes: int
    spans: int
    screenshots: int

    @property
    def total(self) -> int:
        """All pending items."""
        return self.minutes + self.spans + self.screenshots
