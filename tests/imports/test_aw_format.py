"""Parsing and mapping ActivityWatch exports (pure): both servers' formats, and any input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.errors import ImportRefused
from analytics.imports.aw_format import parse_export
from analytics.imports.aw_mapping import KNOWN_TYPES, host_of, map_host
from tests.imports.samples import EXPECTED_MINUTES, EXPECTED_SPANS, T0, export


def _keep_all(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None]:
    return title, site


@pytest.mark.parametrize("style", ["python", "rust"])
def test_both_servers_map_to_the_same_spans_and_minutes(style: str) -> None:
    buckets = parse_export(export(style))
    assert {b.type for b in buckets} == {*KNOWN_TYPES, "app.editor.activity"}
    # Events come newest first in the file and oldest first out of the parser.
    window = next(b for b in buckets if b.type == "currentwindow")
    assert [e.start for e in window.events] == sorted(e.start for e in window.events)
    known = [b for b in buckets if b.type in KNOWN_TYPES]
    host = map_host("laptop-7", known, _keep_all)
    spans = [(s.start_ts - T0, s.end_ts - T0, s.app, s.site, s.title) for s in host.spans]
    assert spans == EXPECTED_SPANS  # zero-length heartbeat dropped, AFK cut, site from web
    minutes = {
        m.minute - T0: (m.active_seconds, m.key_presses, m.mouse_clicks, m.mouse_moves, m.scrolls)
        for m in host.minutes
    }
    assert minutes == EXPECTED_MINUTES


def test_privacy_filter_drops_or_redacts_windows() -> None:
    known = [b for b in parse_export(export("rust")) if b.type in KNOWN_TYPES]

    def no_firefox(
        app: str, title: str | None, site: str | None
    ) -> tuple[str | None, str | None] | None:
        return None if app == "Firefox" else (None, site)

    host = map_host("laptop-7", known, no_firefox)
    assert {s.app for s in host.spans} == {"Code", "(idle)"}
    assert all(s.title is None for s in host.spans)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"[]", "expected"),
        (b'{"buckets": []}', "expected"),
        (b'{"buckets": {"a": 1}}', "bucket 1 is not an object"),
        (b'{"buckets": {"a": {"type": "afkstatus", "hostname": "h", "events": {}}}}', "events"),
        (
            b'{"buckets": {"a": {"type": "afkstatus", "hostname": "h", "events": '
            b'[{"timestamp": "yesterday", "duration": 1, "data": {}}]}}}',
            "bucket 1 event 1: timestamp",
        ),
        (
            b'{"buckets": {"a": {"type": "afkstatus", "hostname": "h", "events": '
            b'[{"timestamp": "2026-01-01T00:00:00Z", "duration": -5, "data": {}}]}}}',
            "duration",
        ),
    ],
)
def test_malformed_files_are_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(ImportRefused, match=reason) as caught:
        parse_export(raw)
    assert "\n" not in str(caught.value)


def test_hosts_are_read_from_urls_and_bare_names() -> None:
    assert host_of("https://www.GitHub.com/acme") == "github.com"
    assert host_of("www.bbc.co.uk") == "www.bbc.co.uk"  # a stored site is kept as it is
    assert host_of("chrome://newtab/") is None
    assert host_of("file:///home/me/notes.txt") is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)
_events = st.lists(
    st.fixed_dictionaries(
        {
            "timestamp": st.sampled_from(["2026-01-01T10:00:00Z", "2026-01-01T10:00:00.5+00:00"])
            | st.text(max_size=25),
            "duration": st.floats(allow_nan=True) | st.integers(-10, 10**6),
            "data": st.dictionaries(
                st.sampled_from(["app", "title", "url", "status", "presses", "clicks", "deltaX"]),
                _json,
                max_size=4,
            ),
        }
    ),
    max_size=6,
)
_buckets = st.dictionaries(
    st.text(max_size=8),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from([*KNOWN_TYPES, "other"]),
            "hostname": st.text(max_size=8),
            "events": _events,
        }
    )
    | _json,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_json, st.fixed_dictionaries({"buckets": _buckets})))
def test_any_json_is_imported_or_refused_cleanly(document: object) -> None:
    try:
        raw = json.dumps(document).encode()
    except ValueError:
        return
    try:
        buckets = parse_export(raw)
    except ImportRefused as exc:
        assert "\n" not in str(exc)
        return
    host = map_host("h", [b for b in buckets if b.type in KNOWN_TYPES], _keep_all)
    for minute in host.minutes:
        assert minute.minute % 60 == 0 and 0 <= minute.active_seconds <= 60
    starts = [s.start_ts for s in host.spans]
    assert starts == sorted(set(starts))  # one span per start: deterministic keys
    for left, right in zip(host.spans, host.spans[1:], strict=False):
        assert left.start_ts < left.end_ts <= right.start_ts  # never overlapping
