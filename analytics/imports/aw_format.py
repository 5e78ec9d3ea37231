"""Reading an ActivityWatch export (pure): both servers' format, to typed buckets and events.

aw-server (Python) and aw-server-rust both export ``{"buckets": {id: bucket}}``; a bucket
has ``type`` (``currentwindow``, ``afkstatus``, ``web.tab.current``, ``os.hid.input``, …),
``hostname``, ``client``, ``created`` and ``events``; the Rust server adds ``data``,
``metadata`` and ``last_updated``. An event is ``{"id"?, "timestamp", "duration", "data"}``:
ISO timestamps with ``Z`` or ``+00:00`` and up to nanoseconds (Rust), durations in float
seconds (missing means 0 in Rust). Events come newest first and may last zero seconds;
they are returned oldest first. Errors name the bucket's position and the field, never a
value (titles and URLs are personal data).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analytics.errors import ImportRefused

_FRACTION = re.compile(r"(\.\d{6})\d+")  # Python parses microseconds; Rust writes nanoseconds
MAX_DURATION = 366 * 86400.0  # a year: anything longer is a corrupt event


@dataclass(frozen=True)
class AwEvent:
    """One event: start in epoch seconds, duration in seconds, its data object."""

    start: float
    duration: float
    data: dict[str, Any]

    @property
    def end(self) -> float:
        """Epoch second the event ends."""
        return self.start + self.duration


@dataclass(frozen=True)
class AwBucket:
    """One bucket: its type, the host it was recorded on, the watcher, events oldest first."""

    type: str
    hostname: str
    client: str
    events: tuple[AwEvent, ...]


def parse_export(raw: bytes) -> list[AwBucket]:
    """The buckets of an export file's bytes; ImportRefused saying why if it is not one."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"not an ActivityWatch export: invalid JSON ({_where(exc)})") from None
    if not isinstance(document, dict) or not isinstance(document.get("buckets"), dict):
        raise ImportRefused('not an ActivityWatch export: expected {"buckets": {...}}')
    return [
        _bucket(position, value)
        for position, value in enumerate(document["buckets"].values(), start=1)
    ]


def _where(exc: Exception) -> str:
    line = getattr(exc, "lineno", None)
    return f"line {line}" if line is not None else type(exc).__name__


def _bucket(position: int, value: Any) -> AwBucket:
    where = f"bucket {position}"
    if not isinstance(value, dict):
        raise ImportRefused(f"{where} is not an object")
    kind, hostname = value.get("type"), value.get("hostname", "unknown")
    client = value.get("client", "")
    if not isinstance(kind, str) or not isinstance(hostname, str) or not isinstance(client, str):
        raise ImportRefused(f"{where}: type, hostname and client must be strings")
    events = value.get("events")
    events = [] if events is None else events  # Rust: a bucket without events has null
    if not isinstance(events, list):
        raise ImportRefused(f"{where}: events must be a list")
    parsed = [_event(f"{where} event {i}", event) for i, event in enumerate(events, start=1)]
    parsed.sort(key=lambda e: (e.start, e.duration))
    return AwBucket(kind, hostname.strip() or "unknown", client, tuple(parsed))


def _event(where: str, value: Any) -> AwEvent:
    if not isinstance(value, dict):
        raise ImportRefused(f"{where} is not an object")
    data = value.get("data", {})
    if not isinstance(data, dict):
        raise ImportRefused(f"{where}: data must be an object")
    duration = value.get("duration", 0)
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        raise ImportRefused(f"{where}: duration must be a number of seconds")
    if not math.isfinite(duration) or not 0 <= duration <= MAX_DURATION:
        raise ImportRefused(f"{where}: duration must be between 0 and {MAX_DURATION:.0f} s")
    return AwEvent(_timestamp(where, value.get("timestamp")), float(duration), data)


def _timestamp(where: str, value: Any) -> float:
    if not isinstance(value, str):
        raise ImportRefused(f"{where}: timestamp must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        raise ImportRefused(f"{where}: timestamp is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # both servers write UTC; a bare time means it
    stamp = moment.timestamp()
    if not 0 <= stamp < 2**31 * 2:
        raise ImportRefused(f"{where}: timestamp is out of range")
    return stamp
