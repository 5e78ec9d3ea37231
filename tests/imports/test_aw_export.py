"""Our ActivityWatch export as aw-server imports it (aw-core's schemas and ``Event`` model):
what ActivityWatch then shows, and the file read back by our importer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
from aw_core.models import Event
from aw_core.schema import get_json_schema
from aw_transform import filter_keyvals, filter_period_intersect, flood, merge_events_by_keys

from analytics.imports.aw_format import parse_export
from analytics.imports.aw_mapping import group_by_host, map_host
from services.rights.export_data import Holdings
from services.rights.export_formats import activitywatch
from storage.rollups import IDLE_APP

T = 1767607200  # 2026-01-05T10:00:00Z
IDLE = (T + 1200, T + 1663)  # 10:20:00 to 10:27:43: idle, to the second
SPANS = [
    (T, T + 1200, "Code", None, "main.py - repo"),
    (*IDLE, IDLE_APP, None, None),
    (T + 1663, T + 3600, "Zoom", None, "Weekly"),  # a meeting: no input, not idle
    (T + 3600, T + 4217, "Firefox", "github.com", "Pull requests"),
]


def _active(minute: int) -> int:
    if minute < T + 1200:
        return 45
    return 30 if minute >= T + 3600 else 0  # idle, then the meeting: no input


def _holdings() -> Holdings:
    holdings = Holdings(1, "s_0123456789abcdef", device_names={3: "laptop-7"})
    holdings.datasets["devices"] = [
        {"id": 3, "name": "laptop-7", "created_at": "2026-01-01T08:00:00+00:00"}
    ]
    holdings.datasets["app_spans"] = [
        {"device_id": 3, "start_ts": s, "end_ts": e, "app": a, "site": site, "title": title}
        for s, e, a, site, title in SPANS
    ]
    holdings.datasets["activity_minutes"] = [
        {"device_id": 3, "minute": m, "active_seconds": _active(m), "key_presses": 7 * (m % 5),
         "mouse_clicks": m % 3, "mouse_moves": m % 7, "scrolls": m % 2}
        for m in range(T, T + 4260, 60)
    ]  # fmt: skip
    return holdings


def _as_aw_server_keeps_it(raw: bytes) -> dict[str, Any]:
    """The file checked against aw-core's schemas and loaded into its ``Event`` model, as
    aw-server's import does; returned as aw-server would export it again."""
    document = json.loads(raw)
    bucket_schema, event_schema = get_json_schema("bucket"), get_json_schema("event")
    for bucket in document["buckets"].values():
        head = {k: v for k, v in bucket.items() if k != "events"}
        jsonschema.validate(head, bucket_schema, format_checker=jsonschema.FormatChecker())
        for event in bucket["events"]:
            jsonschema.validate(event, event_schema)
        bucket["events"] = [Event(**event).to_json_dict() for event in bucket["events"]]
    return dict(document)


def _events(document: dict[str, Any], kind: str) -> list[Event]:
    return [Event(**e) for b in document["buckets"].values() if b["type"] == kind
            for e in b["events"]]  # fmt: skip


def test_activitywatch_shows_our_applications_meetings_and_idle_time() -> None:
    document = _as_aw_server_keeps_it(activitywatch(_holdings(), datetime.now(UTC)))
    assert {b["type"] for b in document["buckets"].values()} == {
        "currentwindow", "afkstatus", "os.hid.input"
    }  # fmt: skip
    assert IDLE_APP not in {e.data["app"] for e in _events(document, "currentwindow")}
    statuses = flood(_events(document, "afkstatus"))
    away = [e for e in statuses if e.data["status"] == "afk"]
    assert [(e.timestamp.timestamp(), e.duration) for e in away] == [
        (IDLE[0], timedelta(seconds=IDLE[1] - IDLE[0]))
    ]  # to the second, not whole minutes
    not_afk = filter_keyvals(statuses, "status", ["not-afk"])
    windows = filter_period_intersect(flood(_events(document, "currentwindow")), not_afk)
    shown = {e.data["app"]: e.duration.total_seconds()
             for e in merge_events_by_keys(windows, ["app"])}  # fmt: skip
    ours = {app: float(e - s) for s, e, app, _, _ in SPANS if app != IDLE_APP}
    assert shown == ours  # the meeting without input is meeting time, not time away
    active = sum(e.duration.total_seconds() for e in not_afk)
    assert active == 4260 - (IDLE[1] - IDLE[0])  # tracked time less idle


def test_bucket_ids_and_creation_times_are_the_same_in_every_export() -> None:
    first = activitywatch(_holdings(), datetime(2026, 2, 1, tzinfo=UTC))
    later = activitywatch(_holdings(), datetime(2026, 3, 1, tzinfo=UTC))
    assert first == later
    ids = sorted(json.loads(first)["buckets"])
    assert ids == ["aw-watcher-afk_laptop-7-3", "aw-watcher-input_laptop-7-3",
                   "aw-watcher-window_laptop-7-3"]  # fmt: skip


def test_the_file_aw_server_keeps_imports_back_to_the_same_rows() -> None:
    holdings = _holdings()
    document = _as_aw_server_keeps_it(activitywatch(holdings, datetime.now(UTC)))
    buckets = parse_export(json.dumps(document).encode())
    ((host, mine),) = group_by_host(buckets).items()

    def keep_all(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None]:
        return title, site

    back = map_host(host, mine, keep_all)
    assert [(s.start_ts, s.end_ts, s.app, s.site, s.title) for s in back.spans] == SPANS
    minutes = [
        (m["minute"], m["active_seconds"], m["key_presses"], m["mouse_clicks"],
         m["mouse_moves"], m["scrolls"])
        for m in holdings.datasets["activity_minutes"]
    ]  # fmt: skip
    assert [
        (m.minute, m.active_seconds, m.key_presses, m.mouse_clicks, m.mouse_moves, m.scrolls)
        for m in back.minutes
    ] == minutes


def test_two_devices_of_one_name_stay_two_hosts() -> None:
    holdings = _holdings()
    holdings.device_names[4] = "laptop-7"
    holdings.datasets["app_spans"].append(
        {"device_id": 4, "start_ts": T, "end_ts": T + 60, "app": "Code", "site": None,
         "title": None}
    )  # fmt: skip
    buckets = parse_export(activitywatch(holdings, datetime.now(UTC)))
    assert sorted(group_by_host(buckets)) == ["laptop-7-3", "laptop-7-4"]


def test_minutes_without_input_are_not_afk_and_runs_merge() -> None:
    # Moved from tests/rights/test_desk.py (issue 20): minutes without input used to become
    # AFK events; they are tracked time away from no one (a meeting), so they stay not-AFK.
    minute = T // 60 * 60
    rows = [
        {"device_id": 1, "minute": minute + 60 * i, "active_seconds": active}
        for i, active in enumerate([30, 12, 0, 0, 5])
    ] + [{"device_id": 1, "minute": minute + 60 * 9, "active_seconds": 40}]
    holdings = Holdings(1, "p", datasets={"activity_minutes": rows}, device_names={1: "laptop"})
    buckets = json.loads(activitywatch(holdings, datetime.now(UTC)))["buckets"]
    afk = buckets["aw-watcher-afk_laptop-1"]
    assert afk["type"] == "afkstatus" and afk["hostname"] == "laptop"
    assert [(e["data"]["status"], e["duration"]) for e in afk["events"]] == [
        ("not-afk", 300), ("not-afk", 60),
    ]  # fmt: skip
    inputs = buckets["aw-watcher-input_laptop-1"]["events"]
    assert [e["data"]["activeSeconds"] for e in inputs] == [30, 12, 0, 0, 5, 40]
