"""Issue 19: what one request may cost. Times within a window around the server's clock,
spans at most a day, two requests in flight per device, a deadline for a slow body, and a
client gone mid-body logged in one line. Each attack runs against the real service.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from collector.sinks.device_token import DeviceToken
from storage.db import schema
from tests.ingest.conftest import Rig, _rig
from tests.ingest.rows import as_json, minutes, snapshot, spans
from tests.ingest.service import assert_refused, call
from tests.ingest.test_screenshots import announce, sealed_shot

DAY = 86400


def _now_minute() -> int:
    now = int(time.time())
    return now - now % 60


@pytest.fixture
def default_rig(tmp_path: Path) -> Iterator[Rig]:
    """The service with the default window (7 days back, 5 minutes ahead), SQLite."""
    yield from _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None, window={})


@pytest.fixture
def held_rig(tmp_path: Path) -> Iterator[Rig]:
    """The default service, but a 2 s body deadline so slow bodies end within a test."""
    yield from _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None, body_timeout=2.0)


def _batch(device: DeviceToken, minute_at: int | None = None, span: tuple[int, int] | None = None):
    body: dict[str, list[dict[str, object]]] = {}
    if minute_at is not None:
        body["minutes"] = [as_json(minutes(device, 1, minute_at)[0])]
    if span is not None:
        body["spans"] = [as_json(spans(device, 1)[0], start_ts=span[0], end_ts=span[1])]
    return body


@pytest.mark.parametrize(
    ("minute_at", "fragment"),
    [(-8 * DAY, "older"), (+600, "future"), (-3000 * DAY, "older"), (+100 * 365 * DAY, "future")],
)
def test_minutes_outside_the_window_are_refused(
    default_rig: Rig, minute_at: int, fragment: str
) -> None:
    device = default_rig.enrolled_sink().enrolled
    before = snapshot(default_rig.install.engine)
    body = _batch(device, _now_minute() + minute_at)
    answer = call("POST", f"{default_rig.url}/v1/batches", body, device.token)
    assert_refused(answer, 400, fragment, "clock")
    assert snapshot(default_rig.install.engine) == before
    ok = call("POST", f"{default_rig.url}/v1/batches", _batch(device, _now_minute()), device.token)
    assert ok.status == 200 and default_rig.count(schema.activity_minutes) == 1


def test_a_span_from_2020_to_2100_is_refused_quickly(default_rig: Rig) -> None:
    device = default_rig.enrolled_sink().enrolled
    before = snapshot(default_rig.install.engine)
    url = f"{default_rig.url}/v1/batches"
    started = time.monotonic()
    body = _batch(device, _now_minute(), span=(1_577_836_800, 4_102_444_800))
    assert_refused(call("POST", url, body, device.token), 400, "at most 86400 seconds")
    assert time.monotonic() - started < 2.0
    day_long = (_now_minute() - DAY - 60, _now_minute())
    assert_refused(call("POST", url, _batch(device, span=day_long), device.token), 400, "span")
    old = (_now_minute() - 9 * DAY, _now_minute() - 9 * DAY + 60)
    assert_refused(call("POST", url, _batch(device, span=old), device.token), 400, "start_ts")
    assert snapshot(default_rig.install.engine) == before  # the batch's minute neither


def test_the_window_is_a_policy(tmp_path: Path) -> None:
    window = {"ingest_window_back_days": 30, "ingest_window_ahead_minutes": 60}
    for rig in _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None, window=window):
        device = rig.enrolled_sink().enrolled
        for offset in (-20 * DAY, 50 * 60):
            answer = call(
                "POST",
                f"{rig.url}/v1/batches",
                _batch(device, _now_minute() + offset),
                device.token,
            )
            assert answer.status == 200, answer
        late = _batch(device, _now_minute() - 31 * DAY)
        assert_refused(call("POST", f"{rig.url}/v1/batches", late, device.token), 400, "older")
        assert rig.count(schema.activity_minutes) == 2


def test_a_screenshot_outside_the_window_is_not_presigned(default_rig: Rig) -> None:
    sink = default_rig.enrolled_sink()
    taken_at = int(time.time()) + 3600
    key, envelope, _ = sealed_shot(default_rig, sink, taken_at)
    body = {**announce(key, envelope), "taken_at": taken_at}
    answer = call("POST", f"{default_rig.url}/v1/screenshots/presign", body, sink.enrolled.token)
    assert_refused(answer, 400, "'taken_at'", "future")
    assert list(default_rig.install.objects.list_keys("subjects/")) == []


def _slow_request(url: str, token: str, declared: int = 1000) -> socket.socket:
    """A POST /v1/batches whose headers and first bytes arrive, and then nothing."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 5)
    head = (
        f"POST /v1/batches HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"minutes": [')
    return sock


def test_a_third_request_of_one_device_waits_while_others_are_served(held_rig: Rig) -> None:
    slow_device = held_rig.enrolled_sink().enrolled
    other = held_rig.enrolled_sink().enrolled
    held = [_slow_request(held_rig.url, slow_device.token) for _ in range(2)]
    try:
        # Polling would race the slow requests for the slots: give them time to take both.
        time.sleep(0.5)
        answer = call("GET", f"{held_rig.url}/v1/state", None, slow_device.token)
        assert_refused(answer, 429, "at once")
        assert answer.headers["retry-after"] == "1"
        assert call("GET", f"{held_rig.url}/v1/state", None, other.token).status == 200
        # The deadline answers the slow ones 408 and frees their slots; nothing was written.
        for sock in held:
            sock.settimeout(5)
            assert sock.recv(200).startswith(b"HTTP/1.1 408")
    finally:
        for sock in held:
            sock.close()
    assert call("GET", f"{held_rig.url}/v1/state", None, slow_device.token).status == 200
    assert held_rig.count(schema.activity_minutes) == 0


def test_a_client_gone_mid_body_is_one_clean_log_line(
    held_rig: Rig, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    device = held_rig.enrolled_sink().enrolled
    caplog.set_level(logging.DEBUG)
    sock = _slow_request(held_rig.url, device.token)
    time.sleep(0.3)
    sock.close()
    deadline = time.monotonic() + 5
    while not any("disconnected" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "no log line for the disconnect"
        time.sleep(0.05)
    time.sleep(0.3)  # anything else the server would log about it
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in lines] == [
        "a client disconnected before its batches request body ended; nothing stored"
    ]
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in capfd.readouterr().err
    assert held_rig.count(schema.activity_minutes) == 0
    assert call("GET", f"{held_rig.url}/v1/state", None, device.token).status == 200
