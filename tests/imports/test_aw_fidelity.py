"""The import counts time as ActivityWatch shows it: exports generated through the watchers'
heartbeat rules (aw-core), compared per app per day with aw-core's own transforms."""

from __future__ import annotations

import json
import logging
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aw_core.models import Event
from aw_transform import filter_keyvals, filter_period_intersect, flood, merge_events_by_keys

from analytics.imports.activitywatch import window_filter
from analytics.imports.aw_format import parse_export, read_export
from analytics.imports.aw_mapping import (
    MAPPED_TYPES,
    HostActivity,
    group_by_host,
    map_host,
)
from storage.policies import DEFAULT_POLICIES
from tests.imports.aw_generate import Profile, generate, write
from tests.imports.aw_reference import canonical_totals, our_totals
from tests.imports.samples import T0, export, iso

TOLERANCE = 0.01  # 1 % of ActivityWatch's figure per app and day...
# ...or two seconds for app-days under 200 s: spans are stored to the second, and each end of
# a piece rounds by up to half a second (a few sub-second glances on a day add up to that).
RESOLUTION = 2.0


@pytest.fixture(autouse=True)
def _quiet_flood() -> Iterator[None]:
    """aw_transform.flood logs a warning per batch with overlapping events: expected here."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def _keep_all(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None]:
    return title, site


def _mapped(document: dict[str, Any], keep: Any = _keep_all) -> HostActivity:
    buckets = parse_export(json.dumps(document).encode())
    (host,) = group_by_host(b for b in buckets if b.type in MAPPED_TYPES).items()
    return map_host(*host, keep)


def _assert_close(ours: dict[Any, float], theirs: dict[Any, float]) -> None:
    assert theirs, "ActivityWatch counted nothing: the generated export is empty"
    for key in set(ours) | set(theirs):
        a, b = ours.get(key, 0.0), theirs.get(key, 0.0)
        assert abs(a - b) <= max(TOLERANCE * b, RESOLUTION), (key, a, b)


@pytest.mark.parametrize("seed", [1, 2])
def test_desktop_totals_match_activitywatch_per_app_per_day(seed: int) -> None:
    document = generate(Profile(days=3, stretches_per_day=600, mean_seconds=25, seed=seed))
    host = _mapped(document)
    assert host.active_source == "afk"
    _assert_close(our_totals(host.spans), canonical_totals(document))


@pytest.mark.parametrize(("unlocks", "source"), [(True, "unlocks"), (False, "window")])
def test_android_totals_match_activitywatch_without_an_afk_bucket(
    unlocks: bool, source: str
) -> None:
    document = generate(Profile(days=2, android=True, unlocks=unlocks, seed=5))
    host = _mapped(document)
    assert host.active_source == source
    _assert_close(our_totals(host.spans), canonical_totals(document))
    assert sum(m.active_seconds for m in host.minutes) > 3600  # not zero, as it once was


def test_time_on_the_lock_screen_before_an_unlock_is_not_active() -> None:
    day = {"app": "Clock", "title": ""}
    document = {"buckets": {
        "aw-watcher-android-test": {"type": "currentwindow", "hostname": "phone", "events": [
            {"timestamp": "2026-01-05T10:00:00Z", "duration": 120.0, "data": day}]},
        "aw-watcher-android-unlock": {"type": "os.lockscreen.unlocks", "hostname": "phone",
            "events": [{"timestamp": "2026-01-05T10:00:30Z", "duration": 0.0, "data": {}}]},
    }}  # fmt: skip
    host = _mapped(document)
    assert [(s.end_ts - s.start_ts, s.app) for s in host.spans] == [(90, "Clock")]
    assert [m.active_seconds for m in host.minutes] == [30, 60]


def test_seconds_the_privacy_filters_drop_are_reported_per_rule() -> None:
    document = generate(Profile(days=2, stretches_per_day=600, mean_seconds=25, seed=3))
    keep = window_filter(DEFAULT_POLICIES["privacy_filters"], store_titles=True)
    host = _mapped(document, keep)
    (rule, dropped), *others = host.dropped.items()
    assert not others and rule.startswith("privacy_filters[0] drop title")
    assert "Private" not in json.dumps([s.title for s in host.spans])
    # What ActivityWatch counts in the private windows is exactly what we report dropped.
    not_afk = filter_keyvals(flood(_aw(document, "afkstatus")), "status", ["not-afk"])
    windows = filter_period_intersect(flood(_aw(document, "currentwindow")), not_afk)
    by_title = {e.data["title"]: e.duration.total_seconds()
                for e in merge_events_by_keys(windows, ["title"])}  # fmt: skip
    private = by_title["Mozilla Firefox Private Browsing"]
    assert private > 600 and dropped == pytest.approx(private, rel=TOLERANCE, abs=RESOLUTION)
    firefox = sum(v for (_, app), v in our_totals(host.spans).items() if app == "Firefox")
    theirs = sum(v for (_, app), v in canonical_totals(document).items() if app == "Firefox")
    assert firefox + dropped == pytest.approx(theirs, rel=TOLERANCE)


def _aw(document: dict[str, Any], kind: str) -> list[Event]:
    return [Event(**e) for b in document["buckets"].values() if b["type"] == kind
            for e in b["events"]]  # fmt: skip


def test_web_tabs_name_sites_although_their_bucket_says_hostname_unknown() -> None:
    document = generate(Profile(days=1, stretches_per_day=600, mean_seconds=25, seed=4))
    assert document["buckets"]["aw-watcher-web-firefox"]["hostname"] == "unknown"
    host = _mapped(document)
    firefox = [s for s in host.spans if s.app == "Firefox"]
    with_site = sum(s.end_ts - s.start_ts for s in firefox if s.site)
    assert with_site >= 0.99 * sum(s.end_ts - s.start_ts for s in firefox) > 0
    sites = {s.site for s in firefox}
    assert {"github.com", "docs.python.org"} <= sites


def test_overlapping_duplicate_not_afk_events_count_once() -> None:
    document = json.loads(export("python"))
    buckets = document["buckets"]
    copy = dict(buckets["aw-watcher-afk_laptop-7"], id="aw-watcher-afk_laptop-7-copy")
    inside = {"timestamp": iso(T0 + 30.5, "python"), "duration": 370.0,
              "data": {"status": "not-afk"}}  # fmt: skip
    buckets[copy["id"]] = dict(copy, events=[*copy["events"], inside])  # a second AFK watcher
    once = _mapped(json.loads(export("python")))
    twice = _mapped(document)
    assert [m.active_seconds for m in twice.minutes] == [m.active_seconds for m in once.minutes]
    assert max(m.active_seconds for m in twice.minutes) == 60
    assert twice.spans == once.spans


def test_zero_length_heartbeats_and_short_gaps_count_as_activitywatch_floods_them() -> None:
    window = [  # a window seen by one poll only, then another a second later
        {"timestamp": "2026-01-05T10:00:00Z", "duration": 0.0, "data": {"app": "A", "title": ""}},
        {"timestamp": "2026-01-05T10:00:01Z", "duration": 59.0, "data": {"app": "B", "title": ""}},
    ]
    afk = [{"timestamp": "2026-01-05T10:00:00Z", "duration": 60.0, "data": {"status": "not-afk"}}]
    document = {"buckets": {
        "w": {"type": "currentwindow", "hostname": "h", "events": window},
        "a": {"type": "afkstatus", "hostname": "h", "events": afk},
    }}  # fmt: skip
    host = _mapped(document)
    assert {s.app: s.end_ts - s.start_ts for s in host.spans} == {"A": 1, "B": 59}
    _assert_close(our_totals(host.spans), canonical_totals(document))


def _cpu_to_map(events_per_day: int) -> tuple[float, int]:
    """The least CPU time of three mappings (the machine is shared), and the event count."""
    document = generate(Profile(days=2, stretches_per_day=events_per_day, mean_seconds=4))
    buckets = [b for b in parse_export(json.dumps(document).encode()) if b.type in MAPPED_TYPES]
    times = []
    for _ in range(3):
        started = time.process_time()
        map_host("laptop-7", buckets, _keep_all)
        times.append(time.process_time() - started)
    return min(times), sum(len(b.events) for b in buckets)


def test_mapping_time_grows_linearly_with_the_events() -> None:
    small, n = _cpu_to_map(1000)
    large, m = _cpu_to_map(8000)
    assert m > 6 * n
    # Linear (with one sort): about m/n (~8) times longer. The old per-pair cut was
    # quadratic (~64 times here); three times the linear figure leaves room for a busy machine.
    assert large <= 3 * (m / n) * max(small, 0.005), (large, small)


def test_the_file_is_streamed_not_held(tmp_path: Path) -> None:
    path = write(Profile(days=2, stretches_per_day=4000, mean_seconds=4, seed=8), tmp_path / "aw")
    tracemalloc.start()
    with path.open("rb") as f:
        buckets = read_export(f)
    _, ours = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    document = json.loads(path.read_bytes())
    _, whole = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert sum(len(b.events) for b in buckets) == sum(
        len(b["events"]) for b in document["buckets"].values()
    )
    # Compact events, equal data shared: well under the document json builds (and never the
    # file's bytes, which json.loads holds as well).
    assert ours < 0.6 * whole, (ours, whole)
