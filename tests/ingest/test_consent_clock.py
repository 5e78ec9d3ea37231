"""Consent on the server against a wrong device clock, through the real ingestion service.

A device stamps what it captures with its own clock; the right took effect at ``T`` by the
server's. The service measures each request's clock (``ingest.clock``) and judges the
device's times in its own. Attacks: a device 10 minutes behind captures at T+2 min (stamped
T-8 min) and uploads minutes, a span and a screenshot: nothing stored, no object left, over
each database with a folder store and over PostgreSQL + S3 (presigned PUTs). A device 10
minutes ahead keeps what it captured before the right (beyond the documented last 10 min).
A device lying about its clock, or not saying it, gets nothing from after the right stored.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from activity.records import ScreenshotMeta
from activity.wire import DEVICE_CLOCK_HEADER
from collector.errors import ServiceRefused
from collector.sinks.https import HttpsSink, enrol_device
from collector.sinks.transport import Transport
from services.rights import file_request, load_actor
from storage.accounts import create_user
from storage.crypto.envelope import seal
from storage.objects import screenshot_key
from tests.ingest.conftest import Rig
from tests.ingest.service import assert_refused, call
from tests.ingest.test_consent_server import _minute, _span, _stored

MIN = 60


def _file_right(engine: Engine, person_id: int, kind: str, at: int) -> None:
    """The person files ``kind`` at server time ``at`` (epoch seconds)."""
    when = datetime.fromtimestamp(at, UTC)
    with engine.begin() as c:
        create_user(c, f"u{person_id}", "employee", None, when, person_id=person_id)
        file_request(c, load_actor(c, f"u{person_id}"), person_id, kind, when)


def _device(rig: Rig, clock: Callable[[], float]) -> HttpsSink:
    """A new person's enrolled device whose requests say ``clock`` is the time."""
    pseudonym = rig.install.add_person()
    token = enrol_device(rig.url, rig.code(pseudonym), Transport())
    return HttpsSink(token, Transport(clock=clock))


def _capture(sink: HttpsSink, stamps: list[int]) -> list[str]:
    """Upload a minute, a 30 s span and a screenshot stamped at each of ``stamps``; their keys."""
    device = sink.enrolled
    person, dev = device.person_id, device.device_id
    sink.send_minutes([_minute(person, dev, at) for at in stamps])
    sink.send_spans([_span(person, dev, at, at + 30) for at in stamps])
    public = sink.subject_state(device.pseudonym).public_key
    keys = []
    for at in stamps:
        key = screenshot_key(device.pseudonym, at, dev)
        envelope = seal(public.public_key, public.key_id, key, os.urandom(1500))
        sink.send_screenshot(key, envelope, ScreenshotMeta(person, dev, at, 64, 36, False))
        keys.append(key)
    return keys


def _whole(at: int) -> int:
    return at - at % MIN


def _behind_by_ten_minutes(rig: Rig, kind: str) -> None:
    stop = int(time.time()) - 10 * MIN  # the right took effect 10 minutes ago
    sink = _device(rig, lambda: time.time() - 10 * MIN)
    _file_right(rig.install.engine, sink.enrolled.person_id, kind, stop)
    # Captured at T-20 (stamped T-30) and at T+2 min (stamped T-8 min) on the slow clock.
    early, late = stop - 20 * MIN - 10 * MIN, stop + 2 * MIN - 10 * MIN
    early_key, late_key = _capture(sink, [early, late])
    stored = _stored(rig.install.engine, sink.enrolled.person_id)
    assert stored == {"minutes": [(_whole(early),)], "spans": [(early, early + 30)],
                      "shots": [(early,)]}  # fmt: skip
    assert list(rig.install.objects.list_versions(late_key)) == []
    assert rig.install.objects.exists(early_key)


def test_a_device_ten_minutes_behind_gets_nothing_stored_after_a_withdrawal(rig: Rig) -> None:
    _behind_by_ten_minutes(rig, "consent_withdrawal")


def test_over_s3_a_device_behind_gets_no_object_after_an_objection(s3_rig: Rig) -> None:
    _behind_by_ten_minutes(s3_rig, "objection")


def test_a_device_ten_minutes_ahead_keeps_what_it_captured_before_the_right(rig: Rig) -> None:
    stop = int(time.time()) - 20 * MIN
    sink = _device(rig, lambda: time.time() + 10 * MIN)
    _file_right(rig.install.engine, sink.enrolled.person_id, "consent_withdrawal", stop)
    # Captured at T-15 (stamped T-5: kept, though a naive check in device time kept it
    # too), at T-5 (stamped T+5: dropped, as documented for a clock ahead) and at T+2
    # (stamped T+12: dropped; over five minutes in the service's future, yet in the window).
    kept, lost, after = stop - 5 * MIN, stop + 5 * MIN, stop + 12 * MIN
    keys = _capture(sink, [kept, lost, after])
    stored = _stored(rig.install.engine, sink.enrolled.person_id)
    assert stored == {"minutes": [(_whole(kept),)], "spans": [(kept, kept + 30)],
                      "shots": [(kept,)]}  # fmt: skip
    assert rig.install.objects.exists(keys[0])
    assert [list(rig.install.objects.list_versions(k)) for k in keys[1:]] == [[], []]


def test_a_device_claiming_a_clock_ahead_cannot_get_post_withdrawal_rows_stored(
    rig: Rig,
) -> None:
    stop = int(time.time()) - 5 * MIN
    liar = _device(rig, lambda: time.time() + 50 * MIN)  # real clock right, claims +50 min
    _file_right(rig.install.engine, liar.enrolled.person_id, "consent_withdrawal", stop)
    before, after = stop - 30 * MIN, stop + 2 * MIN  # stamped truly
    keys = _capture(liar, [before, after])
    stored = _stored(rig.install.engine, liar.enrolled.person_id)
    assert stored == {"minutes": [(_whole(before),)], "spans": [(before, before + 30)],
                      "shots": [(before,)]}  # fmt: skip
    assert list(rig.install.objects.list_versions(keys[1])) == []
    # Claiming a clock further ahead than the service tolerates is refused outright.
    far = HttpsSink(liar.enrolled, Transport(clock=lambda: time.time() + 3 * 3600))
    device = liar.enrolled
    with pytest.raises(ServiceRefused, match=r"clock is .* ahead of the service.s"):
        far.send_minutes([_minute(device.person_id, device.device_id, after + MIN)])
    assert _stored(rig.install.engine, device.person_id)["minutes"] == [(_whole(before),)]


def test_a_request_without_its_clock_is_judged_at_the_worst_tolerated_clock(rig: Rig) -> None:
    stop = int(time.time()) - 5 * MIN
    sink = _device(rig, time.time)
    device = sink.enrolled
    _file_right(rig.install.engine, device.person_id, "consent_withdrawal", stop)
    url, person, dev = f"{rig.url}/v1/batches", device.person_id, device.device_id
    rows = [{**vars(_minute(person, dev, at))} for at in (stop - 90 * MIN, stop - 30 * MIN)]
    for row in rows:
        del row["rev"]
    answer = call("POST", url, {"minutes": rows}, device.token)  # no clock header
    assert answer.status == 200, answer
    # Within the tolerated skew (an hour) of the right: it may be after it, so it is dropped.
    assert _stored(rig.install.engine, person)["minutes"] == [(_whole(stop - 90 * MIN),)]
    answer = call("POST", url, {"minutes": rows}, device.token, {DEVICE_CLOCK_HEADER: "noon"})
    assert_refused(answer, 400, DEVICE_CLOCK_HEADER)
