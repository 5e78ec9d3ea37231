"""A person's activity as an ActivityWatch export (the bucket JSON aw-server imports).

Per device, three buckets that ActivityWatch's canonical query reads as we count:

- ``currentwindow``: application spans, ``{app, title, url?}`` (the stored site as
  ``url``); idle stretches are not an application and are left out of it;
- ``afkstatus``, to the second: idle stretches are ``afk``; the rest of the tracked time
  (minute rows and spans) is ``not-afk``, including minutes without input inside an
  application (a meeting one listens to is not time away), merged into runs as the AFK
  watcher's heartbeats would be;
- ``os.hid.input``: one event per minute row with its counts (``presses``, ``clicks``;
  ``deltaX`` and ``scrollY`` carry the counts of moves and scrolls) and ``activeSeconds``,
  so that a TraqNext import of the file gives the same minute rows back.

Bucket ids are ``<watcher>_<host>-<device id>`` and ``created`` is the device's creation
time (the host is the device's name, with its id when two devices share a name): the same
for every export of the device, so a newer export lines up with an earlier one bucket by
bucket. The client is ``traqnext``: our importer knows the file is exact (not flooded) and
reads the input bucket's counts as they are.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from analytics.imports.aw_sweep import Interval, subtract, union
from storage.rollups import IDLE_APP

CLIENT = "traqnext"
WATCHERS = {
    "currentwindow": "aw-watcher-window",
    "afkstatus": "aw-watcher-afk",
    "os.hid.input": "aw-watcher-input",
}
MINUTE = 60


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


def _event(start: float, end: float, data: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": _iso(start), "duration": end - start, "data": data}


def activitywatch_export(
    datasets: Mapping[str, list[dict[str, Any]]], device_names: Mapping[int, str], now: datetime
) -> bytes:
    """A person's ``app_spans``, ``activity_minutes`` and ``devices`` rows (as a rights
    export holds them: titles opened) as an ActivityWatch export (see module doc)."""
    spans: dict[int, list[dict[str, Any]]] = defaultdict(list)
    minutes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for span in datasets.get("app_spans", []):
        spans[span["device_id"]].append(span)
    for minute in datasets.get("activity_minutes", []):
        minutes[minute["device_id"]].append(minute)
    created = {d["id"]: d.get("created_at") for d in datasets.get("devices", [])}
    buckets: dict[str, dict[str, Any]] = {}
    names = list(device_names.values())
    for device in sorted(set(spans) | set(minutes)):
        host = device_names.get(device, f"device-{device}")
        if names.count(host) > 1:  # two devices of one name: kept apart when imported back
            host = f"{host}-{device}"
        events = _device_events(spans[device], minutes[device])
        for kind, watcher in WATCHERS.items():
            if not events[kind]:
                continue
            bucket_id = f"{watcher}_{host}-{device}"
            buckets[bucket_id] = {
                "id": bucket_id, "created": str(created.get(device) or now.isoformat()),
                "type": kind, "client": CLIENT, "hostname": host, "events": events[kind],
            }  # fmt: skip
    # Compact JSON: the C encoder (see to_json); tools read it, people read the HTML summary.
    return json.dumps({"buckets": buckets}, ensure_ascii=False).encode("utf-8")


def _device_events(
    spans: list[dict[str, Any]], minutes: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    windows = sorted((s for s in spans if s["app"] != IDLE_APP), key=lambda s: s["start_ts"])
    idle = union((s["start_ts"], s["end_ts"]) for s in spans if s["app"] == IDLE_APP)
    tracked = union(
        [(m["minute"], m["minute"] + MINUTE) for m in minutes]
        + [(s["start_ts"], s["end_ts"]) for s in windows]
    )
    return {
        "currentwindow": [_window(s) for s in windows],
        "afkstatus": _statuses(subtract(tracked, idle), idle),
        "os.hid.input": [_input(m) for m in sorted(minutes, key=lambda m: m["minute"])],
    }


def _window(span: dict[str, Any]) -> dict[str, Any]:
    data = {"app": span["app"], "title": span.get("title") or ""}
    if span.get("site"):
        data["url"] = span["site"]
    return _event(span["start_ts"], span["end_ts"], data)


def _statuses(active: Iterable[Interval], away: Iterable[Interval]) -> list[dict[str, Any]]:
    events = [(lo, hi, "not-afk") for lo, hi in active] + [(lo, hi, "afk") for lo, hi in away]
    return [_event(lo, hi, {"status": status}) for lo, hi, status in sorted(events)]


def _input(minute: dict[str, Any]) -> dict[str, Any]:
    data = {
        "presses": minute.get("key_presses", 0), "clicks": minute.get("mouse_clicks", 0),
        "deltaX": minute.get("mouse_moves", 0), "deltaY": 0, "scrollX": 0,
        "scrollY": minute.get("scrolls", 0), "activeSeconds": minute["active_seconds"],
    }  # fmt: skip
    return _event(minute["minute"], minute["minute"] + MINUTE, data)
