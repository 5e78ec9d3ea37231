"""Reading an ActivityWatch export (pure): both servers' format, to typed buckets and events.

aw-server (Python) and aw-server-rust both export ``{"buckets": {id: bucket}}``; a bucket
has ``type`` (``currentwindow``, ``afkstatus``, ``web.tab.current``, ``os.hid.input``, …),
``hostname``, ``client``, ``created`` and ``events``; the Rust server adds ``data``,
``metadata`` and ``last_updated``. An event is ``{"id"?, "timestamp", "duration", "data"}``:
ISO timestamps with ``Z`` or ``+00:00`` and up to nanoseconds (Rust), durations in float
seconds (missing means 0 in Rust). Events come newest first and may last zero seconds;
they are returned oldest first. Errors name the bucket's position and the field, never a
value (titles and URLs are personal data).

The file is streamed (ijson's tokens, ``aw_stream``): memory holds the compact events, never
the document, so a month of a heavy user's events (200,000) reads in flat memory. Equal
``data`` objects are shared (a window seen a thousand times is one dict).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple

from analytics.errors import ImportRefused
from analytics.imports.aw_stream import MISSING, document_buckets

_FRACTION = re.compile(r"(\.\d{6})\d+")  # Python parses microseconds; Rust writes nanoseconds
MAX_DURATION = 366 * 86400.0  # a year: anything longer is a corrupt event
_MAX_STAMP = 2**32


class AwEvent(NamedTuple):
    """One event: start in epoch seconds, duration in seconds, its data object (a named
    tuple: 200,000 of them are built per export, and a tuple builds fastest)."""

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
    id: str = ""


def parse_export(raw: bytes) -> list[AwBucket]:
    """The buckets of an export file's bytes; ImportRefused saying why if it is not one."""
    return read_export(io.BytesIO(raw))


def read_export(stream: IO[bytes]) -> list[AwBucket]:
    """The buckets of an export read from ``stream`` (see module doc)."""
    reader = _EventReader()
    return [
        _bucket(position, bid, fields, reader)
        for position, (bid, fields) in enumerate(document_buckets(stream, reader), start=1)
    ]


class _EventReader:
    """Turns each event object of the token stream into an ``AwEvent`` (the hot path)."""

    def __init__(self) -> None:
        self._shared: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.where = ""

    def event(self, index: int, stamp: Any, duration: Any, data: Any) -> AwEvent:
        """Check one event's fields; ImportRefused naming the field if one is wrong."""
        # The common case in one test; anything else (ints, nulls, errors) goes the long way.
        if type(data) is dict and type(duration) is float and 0.0 <= duration <= MAX_DURATION:
            return AwEvent(self._timestamp(index, stamp), duration, self._share(data))
        return self._checked(index, stamp, duration, data)

    def _checked(self, index: int, stamp: Any, duration: Any, data: Any) -> AwEvent:
        where = f"{self.where} event {index}"
        data = {} if data is MISSING else data
        duration = 0 if duration is MISSING else duration
        stamp = None if stamp is MISSING else stamp
        if not isinstance(data, dict):
            raise ImportRefused(f"{where}: data must be an object")
        if duration is None:
            duration = 0  # Rust: an event without a duration lasts no time
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise ImportRefused(f"{where}: duration must be a number of seconds")
        if not math.isfinite(duration) or not 0 <= duration <= MAX_DURATION:
            raise ImportRefused(f"{where}: duration must be between 0 and {MAX_DURATION:.0f} s")
        return AwEvent(self._timestamp(index, stamp), float(duration), self._share(data))

    def _share(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            key = tuple(data.items())
            return self._shared.setdefault(key, data)
        except TypeError:  # a list or object among the values: kept as it is
            return data

    def _timestamp(self, index: int, value: Any) -> float:
        if type(value) is str:
            try:  # Python 3.11 reads both servers' forms (Z, +00:00, up to nanoseconds)
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    stamp = moment.timestamp()
                    if 0 <= stamp < _MAX_STAMP:
                        return stamp
            except (ValueError, OverflowError):
                pass
        return _parse_timestamp(f"{self.where} event {index}", value)


def _parse_timestamp(where: str, value: Any) -> float:
    """The slow path: spaces, more than six decimals, no zone, or an error to name."""
    if not isinstance(value, str):
        raise ImportRefused(f"{where}: timestamp must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        raise ImportRefused(f"{where}: timestamp is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # both servers write UTC; a bare time means it
    try:
        stamp = moment.timestamp()
    except (OverflowError, ValueError):
        raise ImportRefused(f"{where}: timestamp is out of range") from None
    if not 0 <= stamp < _MAX_STAMP:
        raise ImportRefused(f"{where}: timestamp is out of range")
    return stamp


def _bucket(position: int, bid: str, fields: dict[str, Any], reader: _EventReader) -> AwBucket:
    where = f"bucket {position}"
    kind, hostname = fields.get("type"), fields.get("hostname", "unknown")
    client = fields.get("client", "")
    if not isinstance(kind, str) or not isinstance(hostname, str) or not isinstance(client, str):
        raise ImportRefused(f"{where}: type, hostname and client must be strings")
    events: list[AwEvent] = fields.get("events") or []
    events.sort(key=_order)
    return AwBucket(kind, hostname.strip() or "unknown", client, tuple(events), bid)


def _order(event: AwEvent) -> tuple[float, float]:
    return event.start, event.duration


__all__ = ["AwBucket", "AwEvent", "parse_export", "read_export"]
