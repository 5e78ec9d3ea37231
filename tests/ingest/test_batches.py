"""Batches through the service: stored once, replays change nothing, bad input is refused."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from collector.errors import ServiceRefused
from storage.db import schema
from tests.ingest.conftest import Rig
from tests.ingest.rows import as_json, minutes, snapshot, spans
from tests.ingest.service import Answer, assert_refused, call


def test_batch_lands_in_the_database_with_rollups(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    device = sink.enrolled
    assert sink.send_minutes(minutes(device)) == 5
    assert sink.send_spans(spans(device)) == 3
    engine = rig.install.engine
    with engine.connect() as conn:
        stored = conn.execute(select(schema.activity_minutes)).all()
        titles = conn.execute(select(schema.app_spans.c.title_ct)).scalars().all()
        slots = conn.execute(select(schema.activity_10min)).all()
    assert {(r.person_id, r.device_id) for r in stored} == {(device.person_id, device.device_id)}
    assert sorted(r.active_seconds for r in stored) == [30, 31, 32, 33, 34]
    assert sorted(titles) == [bytes([i]) * 40 for i in range(3)]
    assert sum(r.active_seconds for r in slots) == 160  # rollups refreshed with the write


def test_replayed_batch_changes_nothing(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    sink.send_minutes(minutes(sink.enrolled))
    sink.send_spans(spans(sink.enrolled))
    before = snapshot(rig.install.engine)
    sink.send_minutes(minutes(sink.enrolled))
    sink.send_spans(spans(sink.enrolled))
    assert snapshot(rig.install.engine) == before


def test_rows_of_another_person_or_device_are_refused_and_nothing_is_written(rig: Rig) -> None:
    mine, theirs = rig.enrolled_sink(), rig.enrolled_sink()
    before = snapshot(rig.install.engine)
    row = minutes(theirs.enrolled, 1)[0]
    for changed in ({}, {"device_id": mine.enrolled.device_id}):
        answer = call(
            "POST",
            f"{rig.url}/v1/batches",
            {"minutes": [as_json(row, **changed)]},
            token=mine.enrolled.token,
        )
        assert_refused(answer, 403, "own person")
    # A batch mixing own rows with one of another person is refused whole.
    mixed = [as_json(r) for r in minutes(mine.enrolled, 3)] + [as_json(row)]
    answer = call("POST", f"{rig.url}/v1/batches", {"minutes": mixed}, token=mine.enrolled.token)
    assert_refused(answer, 403)
    assert snapshot(rig.install.engine) == before


BAD_BODIES = [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"minutes": 5}', "list of objects"),
    (b'{"rows": []}', "only 'minutes' and 'spans'"),
]


@pytest.mark.parametrize(("body", "fragment"), BAD_BODIES)
def test_malformed_bodies_are_one_line_400s(rig: Rig, body: bytes, fragment: str) -> None:
    sink = rig.enrolled_sink()
    before = snapshot(rig.install.engine)
    answer = call("POST", f"{rig.url}/v1/batches", body, token=sink.enrolled.token)
    assert_refused(answer, 400, fragment)
    assert snapshot(rig.install.engine) == before


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"active_seconds": "30"}, "'active_seconds' must be an integer"),
        ({"key_presses": True}, "'key_presses' must be an integer"),
        ({"minute": 1.5}, "'minute' must be an integer"),
        ({"scrolls": 10**30}, "out of range"),
        ({"extra": 1}, "exactly the fields"),
        ({"minute": 1_780_000_021}, "whole minute"),
    ],
)
def test_wrong_types_are_refused_field_by_field(rig: Rig, change: dict, fragment: str) -> None:
    sink = rig.enrolled_sink()
    before = snapshot(rig.install.engine)
    rows = [as_json(r) for r in minutes(sink.enrolled, 2)]
    rows[1].update(change)
    answer = call("POST", f"{rig.url}/v1/batches", {"minutes": rows}, token=sink.enrolled.token)
    assert_refused(answer, 400, fragment)
    assert snapshot(rig.install.engine) == before


def test_bad_span_fields_are_refused(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    span = spans(sink.enrolled, 1)[0]
    url, token = f"{rig.url}/v1/batches", sink.enrolled.token
    for change, fragment in (
        ({"title_ct": "%%%"}, "base64"),
        ({"app": "x" * 201}, "'app' must be 1-200"),
        ({"site": 7}, "'site' must be a string"),
        ({"end_ts": span.start_ts - 1}, "end before it starts"),
    ):
        answer = call("POST", url, {"spans": [as_json(span, **change)]}, token=token)
        assert_refused(answer, 400, fragment)
    assert rig.count(schema.app_spans) == 0


def test_oversize_body_is_413_before_it_is_read(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    # The service answers on the declared length, without reading (or waiting for) the body.
    parts = urlsplit(rig.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    connection.putrequest("POST", "/v1/batches")
    connection.putheader("Authorization", f"Bearer {sink.enrolled.token}")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(5 * 1024 * 1024))
    connection.endheaders()
    response = connection.getresponse()
    answer = Answer(response.status, {}, json.loads(response.read()))
    connection.close()
    assert_refused(answer, 413, "over")
    assert rig.count(schema.activity_minutes) == 0


def test_batch_failing_its_contract_is_quarantined_and_answered_422(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    bad = [as_json(r) for r in minutes(sink.enrolled, 2)]
    bad[0]["active_seconds"] = 75  # more than a minute holds
    answer = call("POST", f"{rig.url}/v1/batches", {"minutes": bad}, token=sink.enrolled.token)
    assert_refused(answer, 422, "contract")
    assert rig.count(schema.activity_minutes) == 0
    assert rig.count(schema.quarantined_batches) == 1
    # The sink counts a quarantined batch as delivered, as the embedded sink does.
    rows = minutes(sink.enrolled, 1)
    rows = [rows[0].__class__(**{**vars(rows[0]), "active_seconds": 90})]
    assert sink.send_minutes(rows) == 1


def test_no_data_can_be_read_back(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    sink.send_minutes(minutes(sink.enrolled))
    token = sink.enrolled.token
    for path in ("/v1/batches", "/v1/screenshots/presign", "/v1/minutes", "/v1/spans"):
        answer = call("GET", f"{rig.url}{path}", token=token)
        assert answer.status in (404, 405), path
        assert set(answer.body) == {"error"}


def test_missing_or_unknown_token_is_401(rig: Rig) -> None:
    row = {"minutes": []}
    assert_refused(call("POST", f"{rig.url}/v1/batches", row), 401, "bearer")
    assert_refused(call("POST", f"{rig.url}/v1/batches", row, token="x" * 43), 401, "revoked")


def test_client_reports_refusals_as_service_errors(rig: Rig) -> None:
    sink, other = rig.enrolled_sink(), rig.enrolled_sink()
    with pytest.raises(ServiceRefused, match="403"):
        sink.send_minutes(minutes(other.enrolled, 1))
