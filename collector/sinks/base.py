"""The sink protocol: what the uploader and the policy watcher need from central storage.

Every ``send_*`` either confirms the whole batch (returns how many items it holds now)
or raises; a batch is idempotent by its keys (person, device, minute / span start /
screenshot time), so sending it again never duplicates anything, and a span or minute
sent again replaces what the sink had. ``SinkUnavailable`` means "try again later": the
spool keeps everything until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from activity.records import PendingMinute, PendingSpan, ScreenshotMeta
from storage.writes import SubjectState


class Sink(Protocol):
    """Central storage as the collector sees it."""

    def subject_state(self, pseudonym: str | None) -> SubjectState:
        """The person's state; with None, the installation's only person (else an error)."""
        ...

    def register_device(self, person_id: int, name: str, platform: str) -> int:
        """Record a new device of ``person_id``; return its id."""
        ...

    def device_seen(self, device_id: int) -> None:
        """Note that the device is alive (best effort)."""
        ...

    def send_minutes(self, rows: Sequence[PendingMinute]) -> int:
        """Store (replace) minute rows; return how many were confirmed."""
        ...

    def send_spans(self, rows: Sequence[PendingSpan]) -> int:
        """Store (replace) spans keyed by their start; return how many were confirmed."""
        ...

    def send_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> None:
        """Store a sealed screenshot under object ``key`` and its row (or raise)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
