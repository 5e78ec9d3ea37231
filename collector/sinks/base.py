"""The sink protocol: what the uploader and the policy watcher need from central storage.

Every ``send_*`` either confirms the whole batch (returns how many items it holds now)
or raises; a batch is idempotent by its keys (person, device, minute / span start /
screenshot time), so sending it again never duplicates anything, and a span or minute
sent again replaces what the sink had. ``SinkUnavailable`` means "try again later": the
spool keeps everything until then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from collector.errors import CollectorError
from collector.spool.files import ScreenshotName
from collector.spool.records import PendingMinute, PendingSpan
from storage.vault import SubjectPublicKey

ScreenshotMeta = ScreenshotName


class SinkUnavailable(CollectorError):
    """Central storage cannot be reached right now; the spool holds, retry later."""


class SubjectUnknown(CollectorError):
    """No such person in storage (never registered, or erased), or they have no live key."""


@dataclass(frozen=True)
class SubjectState:
    """What the collector must obey for its person: consent, objection, key, policies."""

    person_id: int
    pseudonym: str
    consent: str
    objected: bool
    restricted: bool
    timezone: str
    public_key: SubjectPublicKey
    policies: dict[str, Any] = field(default_factory=dict)
    paused: bool = False  # paused from the workbench: capture nothing until resumed


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

    def send_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> bool:
        """Store a sealed screenshot under object ``key`` and its row; True once stored."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
