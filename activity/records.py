"""The activity records on the wire and their limits: plain records, no plaintext titles.

The collector spools and sends them, the ingestion service parses them and storage writes
them: a span the collector produces must fit these limits, or the service would refuse its
batch for ever.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_APP_CHARS = 200  # app_spans.app
MAX_SITE_CHARS = 255  # app_spans.site
MAX_SEALED_TITLE_BYTES = 4096  # the largest sealed title the ingestion service accepts
# Sealing adds at most 1215 bytes (an envelope header with the longest key id and object id,
# two nonces, the wrapped key and the tag), so a title capped here always fits sealed.
MAX_TITLE_BYTES = 2048
UNKNOWN_APP = "unknown"


def clip_app(app: str) -> str:
    """``app`` as storable text cut to ``MAX_APP_CHARS``; an empty name becomes ``"unknown"``."""
    return _storable(app)[:MAX_APP_CHARS] or UNKNOWN_APP


def clip_site(site: str | None) -> str | None:
    """``site`` as storable text cut to ``MAX_SITE_CHARS``; an empty one is no site."""
    return _storable(site)[:MAX_SITE_CHARS] or None if site else None


def clip_title(title: str) -> bytes:
    """``title`` in UTF-8, cut to ``MAX_TITLE_BYTES`` on a character boundary, to be sealed."""
    raw = title.encode("utf-8", "replace")  # a lone surrogate becomes '?', never an error
    if len(raw) <= MAX_TITLE_BYTES:
        return raw
    # Decoding drops only the bytes of the one character the cut split.
    return raw[:MAX_TITLE_BYTES].decode("utf-8", "ignore").encode("utf-8")


def _storable(text: str) -> str:
    # PostgreSQL text holds no NUL, and a lone surrogate is not UTF-8: the service refuses both.
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


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


@dataclass(frozen=True)
class ScreenshotMeta:
    """What a sealed screenshot's row records besides its object: whose, when, its size."""

    person_id: int
    device_id: int
    taken_at: int
    width: int
    height: int
    blurred: bool
