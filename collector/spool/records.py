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
