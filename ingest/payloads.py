"""Request bodies: JSON parsed and checked field by field before anything touches storage.

Every row must name exactly the fields of its kind with the right JSON types; a row naming
another person or device than the token's is refused whole (``Forbidden``). Ranges are left
to the data contracts, except bounds that keep integers inside the database's columns and
the window of times a device may write (``ingest.window``): refused before any row is built.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from activity.records import (
    MAX_APP_CHARS,
    MAX_SEALED_TITLE_BYTES,
    MAX_SITE_CHARS,
    PendingMinute,
    PendingSpan,
)
from ingest.enrolment import DeviceAuth
from ingest.errors import BadRequest, Forbidden
from ingest.window import Window

MAX_ROWS = 1000
MAX_TITLE_BYTES = MAX_SEALED_TITLE_BYTES  # the collector caps titles to fit (one definition)
_INT32 = 2**31 - 1
# The last second of year 9999: far beyond any real epoch second, far inside BIGINT, and the
# last one a date can be built for (a screenshot key carries its UTC date). The contracts
# narrow times further (2020-2100) before anything is written.
EPOCH_MAX = 253_402_300_799

MINUTE_INTS = {
    "person_id": _INT32,
    "device_id": _INT32,
    "minute": EPOCH_MAX,
    "active_seconds": 32767,
    "key_presses": _INT32,
    "mouse_clicks": _INT32,
    "mouse_moves": _INT32,
    "scrolls": _INT32,
}
SPAN_INTS = {"person_id": _INT32, "device_id": _INT32, "start_ts": EPOCH_MAX, "end_ts": EPOCH_MAX}
SPAN_TEXT = {"app": MAX_APP_CHARS, "site": MAX_SITE_CHARS}


def parse_object(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``; BadRequest if it is not one."""
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("request body is not valid JSON") from None
    except RecursionError:  # '[[[[…' deeper than the parser's stack
        raise BadRequest("request body is nested too deeply") from None
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


def require(payload: dict[str, Any], name: str, kind: type, *, optional: bool = False) -> Any:
    """``payload[name]`` if it has JSON type ``kind`` (an int is never a bool); else BadRequest."""
    value = payload.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"field {name!r} must be {_type_name(kind)}")
    if isinstance(value, str) and not _storable(value):
        raise BadRequest(f"field {name!r} must be UTF-8 text without NUL characters")
    return value


def batch_rows(
    payload: dict[str, Any], auth: DeviceAuth, window: Window
) -> tuple[list[PendingMinute], list[PendingSpan]]:
    """The minute rows and spans of a batch body, checked and bound to the token's device.

    Every minute and span must lie within ``window``, and no span may last over a day.
    """
    unknown = set(payload) - {"minutes", "spans"}
    if unknown or not payload:
        raise BadRequest("a batch holds only 'minutes' and 'spans' lists")
    minutes = [_minute(row, auth, window) for row in _rows(payload, "minutes")]
    spans = [_span(row, auth, window) for row in _rows(payload, "spans")]
    return minutes, spans


def _rows(payload: dict[str, Any], name: str) -> list[dict[str, Any]]:
    rows = payload.get(name, [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BadRequest(f"{name!r} must be a list of objects")
    if len(rows) > MAX_ROWS:
        raise BadRequest(f"at most {MAX_ROWS} {name} per batch")
    return rows


def _minute(row: dict[str, Any], auth: DeviceAuth, window: Window) -> PendingMinute:
    values = _ints(row, MINUTE_INTS, set(MINUTE_INTS), "minute row")
    if values["minute"] % 60:  # the database's own check: refused here, not retried forever
        raise BadRequest("field 'minute' must be a whole minute (a multiple of 60)")
    _bind(values, auth)
    window.check(values["minute"], "minute field 'minute'")
    return PendingMinute(**values, rev=0)


def _span(row: dict[str, Any], auth: DeviceAuth, window: Window) -> PendingSpan:
    fields = set(SPAN_INTS) | set(SPAN_TEXT) | {"title_ct"}
    values: dict[str, Any] = _ints(row, SPAN_INTS, fields, "span")
    for name, limit in SPAN_TEXT.items():
        text = require(row, name, str, optional=name == "site")
        if text is not None and not 0 < len(text) <= limit:
            raise BadRequest(f"span field {name!r} must be 1-{limit} characters")
        values[name] = text
    values["title_ct"] = _sealed_title(row.get("title_ct"))
    if values["end_ts"] < values["start_ts"]:
        raise BadRequest("a span must not end before it starts")
    _bind(values, auth)
    window.check_span(values["start_ts"], values["end_ts"])
    return PendingSpan(**values, rev=0)


def _ints(
    row: dict[str, Any], bounds: dict[str, int], fields: set[str], what: str
) -> dict[str, Any]:
    if set(row) != fields:
        raise BadRequest(f"a {what} has exactly the fields {', '.join(sorted(fields))}")
    values = {name: require(row, name, int) for name in bounds}
    for name, bound in bounds.items():
        if abs(values[name]) > bound:
            raise BadRequest(f"field {name!r} is out of range")
    return values


def _sealed_title(value: Any) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest("field 'title_ct' must be base64 text or null")
    try:
        sealed = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("field 'title_ct' is not valid base64") from None
    if len(sealed) > MAX_TITLE_BYTES:
        raise BadRequest(f"a sealed title is at most {MAX_TITLE_BYTES} bytes")
    return sealed


def _bind(values: dict[str, Any], auth: DeviceAuth) -> None:
    # The token decides whose data this is; a row naming anyone else is refused, not rewritten.
    if values["person_id"] != auth.person_id or values["device_id"] != auth.device_id:
        raise Forbidden("this device may write only its own person's rows under its own id")


def _storable(text: str) -> bool:
    """False for a NUL or a lone surrogate: JSON escapes carry both, PostgreSQL stores neither."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _type_name(kind: type) -> str:
    return {int: "an integer", str: "a string", bool: "true or false", list: "a list"}.get(
        kind, kind.__name__
    )
