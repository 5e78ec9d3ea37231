"""ActivityWatch exports as each server writes them (shapes from aw-core and aw-models)."""

from __future__ import annotations

import json
from typing import Any

T0 = 1767261600  # 2026-01-01T10:00:00Z


def iso(ts: float, style: str) -> str:
    """A timestamp as aw-server (Python, ``+00:00``, microseconds) or Rust (``Z``, nanos)."""
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(ts, tz=UTC)
    if style == "python":
        return moment.isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{round(ts % 1 * 1e9):09d}Z"


def _event(
    style: str, n: int, ts: float, duration: float | None, data: dict[str, Any]
) -> dict[str, Any]:
    event: dict[str, Any] = {"id": n, "timestamp": iso(ts, style), "data": data}
    if duration is not None or style == "python":
        event["duration"] = duration or 0.0
    return event


def _bucket(style: str, bid: str, kind: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "id": bid, "created": iso(T0 - 86400, style), "name": None, "type": kind,
        "client": bid.split("_")[0], "hostname": "laptop-7", "events": events[::-1],
    }  # fmt: skip
    if style == "rust":  # aw-models' extra fields
        bucket.pop("name")
        bucket |= {"data": {}, "metadata": {"start": None, "end": None}, "last_updated": None}
    return bucket


def export(style: str) -> bytes:
    """Ten minutes on one laptop: editor, a browser on GitHub, an AFK break, input counts.

    Timeline (seconds from T0): 0-300 Code (zero-length heartbeat at 300), 300-540 Firefox
    on github.com with an AFK stretch 420-480 inside it, 540-600 Code again.
    """
    window = [
        _event(style, 1, T0 + 0.25, 300.0, {"app": "Code", "title": "main.py - repo"}),
        _event(style, 2, T0 + 300, 0.0, {"app": "Code", "title": "main.py - repo"}),
        _event(style, 3, T0 + 300, 240.0, {"app": "Firefox", "title": "Pull requests"}),
        _event(style, 4, T0 + 540, 60.0, {"app": "Code", "title": "util.py - repo"}),
    ]
    afk = [
        _event(style, 5, T0, 420.0, {"status": "not-afk"}),
        _event(style, 6, T0 + 420, 60.0, {"status": "afk"}),
        _event(style, 7, T0 + 480, 120.0, {"status": "not-afk"}),
    ]
    web = [
        _event(style, 8, T0 + 290, 5.0, {"url": "https://example.org/", "title": "x"}),
        _event(style, 9, T0 + 301, 238.0, {"url": "https://github.com/acme/pulls", "title": "PRs",
                                           "audible": False, "incognito": False, "tabCount": 3}),
    ]  # fmt: skip
    inputs = [
        _event(style, 10, T0 + 5, 1.0, {"presses": 12, "clicks": 1, "deltaX": 40, "deltaY": 3,
                                        "scrollX": 0, "scrollY": 0}),
        _event(style, 11, T0 + 65, None, {"presses": 3, "clicks": 0, "deltaX": 0, "deltaY": 0,
                                         "scrollX": 0, "scrollY": 120}),
    ]  # fmt: skip
    editor = [_event(style, 12, T0, 10.0, {"file": "main.py", "language": "python"})]
    parts = [
        ("aw-watcher-window", "currentwindow", window),
        ("aw-watcher-afk", "afkstatus", afk),
        ("aw-watcher-web-firefox", "web.tab.current", web),
        ("aw-watcher-input", "os.hid.input", inputs),
        ("aw-watcher-vscode", "app.editor.activity", editor),
    ]
    buckets = {
        f"{name}_laptop-7": _bucket(style, f"{name}_laptop-7", kind, events)
        for name, kind, events in parts
    }
    return json.dumps({"buckets": buckets}).encode()


# What both exports map to: (start, end, app, site, title) relative to T0.
EXPECTED_SPANS = [
    (0, 300, "Code", None, "main.py - repo"),
    (300, 420, "Firefox", "github.com", "Pull requests"),
    (420, 480, "(idle)", None, None),
    (480, 540, "Firefox", "github.com", "Pull requests"),
    (540, 600, "Code", None, "util.py - repo"),
]
# minute offset -> (active_seconds, key_presses, mouse_clicks, mouse_moves, scrolls)
EXPECTED_MINUTES = {
    0: (60, 12, 1, 1, 0), 60: (60, 3, 0, 0, 1), 120: (60, 0, 0, 0, 0),
    180: (60, 0, 0, 0, 0), 240: (60, 0, 0, 0, 0), 300: (60, 0, 0, 0, 0),
    360: (60, 0, 0, 0, 0), 420: (0, 0, 0, 0, 0), 480: (60, 0, 0, 0, 0),
    540: (60, 0, 0, 0, 0),
}  # fmt: skip
