"""Review defects of the ingestion path, each pinned: outages, hostile bodies, stuck batches."""

from __future__ import annotations

import base64
import dataclasses
import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from activity.records import MAX_SEALED_TITLE_BYTES, MAX_TITLE_BYTES, clip_title
from collector.errors import CollectorConfigError
from collector.pipeline.sessionizer import MinuteRow
from collector.pipeline.uploader import Uploader
from collector.run import CollectorConfig, run_collector
from collector.sinks.device_token import DeviceToken, save_token
from collector.sinks.https import HttpsSink, enrol_device, open_https_sink, token_path
from collector.sinks.transport import Transport
from collector.spool import ScreenshotName, SealedSpan, Spool
from collector.spool.device import DeviceIdentity, save_identity
from ingest import enrolment
from ingest.app import IngestConfig
from storage.crypto.envelope import Sealer
from storage.db import schema
from storage.objects import screenshot_key
from tests.collector.cli import child_env
from tests.collector.helpers import capturing, wait_until
from tests.collector.install import installation
from tests.ingest import collect_driver
from tests.ingest.conftest import Rig, _rig
from tests.ingest.proxy import TcpProxy
from tests.ingest.rows import START, as_json, minutes, snapshot, spans
from tests.ingest.service import assert_refused, call, running
from tests.traq.cli import ROOT, assert_one_line_error, traq


@pytest.fixture
def lite_rig(tmp_path: Path) -> Iterator[Rig]:
    """The service over SQLite and a folder object store (for collector-side defects)."""
    yield from _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None)


# -- 1. the database down: 503 with Retry-After on every route, never 500 ---------------------


def test_every_route_answers_503_while_the_database_is_down(
    tmp_path: Path, pg_schema_url: str
) -> None:
    with installation(tmp_path, pg_schema_url) as install:
        direct = make_url(pg_schema_url)
        proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
        proxied = direct.set(port=proxy.port).render_as_string(hide_password=False)
        settings = dataclasses.replace(install.settings, database_url=proxied)
        try:
            with running(IngestConfig(settings)) as url:
                rig = Rig(install, url)
                device = rig.enrolled_sink().enrolled
                code = rig.code(install.add_person())
                proxy.cut()
                for method, path, body in _every_route(device):
                    token = None if path == "/v1/enrol" else device.token
                    answer = call(method, f"{url}{path}", body, token=token)
                    assert_refused(answer, 503, "retry later")
                    assert answer.headers.get("retry-after", "").isdigit(), (path, answer)
                proxy.restore()
                stored = call("POST", f"{url}/v1/batches", _batch(device), token=device.token)
                assert stored.status == 200, stored
                enrolled = call("POST", f"{url}/v1/enrol", {"code": code, "device_name": "b"})
                assert enrolled.status == 201, enrolled
        finally:
            proxy.close()
        assert rig.count(schema.activity_minutes) == 2


def _every_route(device: DeviceToken) -> list[tuple[str, str, dict[str, object] | bytes]]:
    key = screenshot_key(device.pseudonym, START, device.device_id)
    shot = {"key": key, "size": 200, "sha256": base64.b64encode(bytes(32)).decode()}
    commit = {"key": key, "size": 200, "taken_at": START, "width": 8, "height": 8}
    return [
        ("POST", "/v1/enrol", {"code": "x" * 22, "device_name": "laptop"}),
        ("GET", "/v1/state", b""),
        ("POST", "/v1/batches", _batch(device)),
        ("POST", "/v1/screenshots/presign", shot),
        ("POST", "/v1/screenshots/commit", {**commit, "blurred": False}),
        ("PUT", f"/v1/screenshots/{key}", b"sealed"),
    ]


def _batch(device: DeviceToken) -> dict[str, object]:
    return {"minutes": [as_json(row) for row in minutes(device, 2)]}


# -- 2. deeply nested JSON: 400, not a RecursionError ------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/batches", b"[" * 200_000),
        ("/v1/batches", b'{"a":' * 100_000),
        ("/v1/enrol", b"[" * 4000),  # the enrolment body is capped at 4 KiB
        ("/v1/screenshots/commit", b"[" * 4000),
    ],
)
def test_deeply_nested_json_is_a_400(lite_rig: Rig, path: str, body: bytes) -> None:
    device = lite_rig.enrolled_sink().enrolled
    answer = call("POST", f"{lite_rig.url}{path}", body, token=device.token)
    assert_refused(answer, 400, "nested too deeply")


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff"])
def test_text_no_database_can_store_is_a_400(rig: Rig, text: str) -> None:
    # Found by the fuzz tests: a lone surrogate was a 500, a NUL a 503 retried for ever.
    device = rig.enrolled_sink().enrolled
    before = snapshot(rig.install.engine)
    span = spans(device, 1)[0]
    for change in ({"app": text}, {"site": text}):
        body = {"spans": [as_json(span, **change)]}
        answer = call("POST", f"{rig.url}/v1/batches", body, token=device.token)
        assert_refused(answer, 400, "without NUL")
    enrol = {"code": text, "device_name": "laptop"}
    assert_refused(call("POST", f"{rig.url}/v1/enrol", enrol), 400, "'code'")
    assert snapshot(rig.install.engine) == before


# -- 3. an epoch past what a date can hold: 400, not an OverflowError --------------------------


@pytest.mark.parametrize("taken_at", [10**20, 2**40, 253_402_300_800, -1])
def test_screenshot_commit_with_an_impossible_time_is_a_400(lite_rig: Rig, taken_at: int) -> None:
    device = lite_rig.enrolled_sink().enrolled
    key = screenshot_key(device.pseudonym, START, device.device_id)
    body = {"key": key, "size": 9, "taken_at": taken_at, "width": 1, "height": 1, "blurred": False}
    answer = call("POST", f"{lite_rig.url}/v1/screenshots/commit", body, token=device.token)
    assert_refused(answer, 400, "'taken_at'")


# -- 4. stuck batches: the collector sends only what the service accepts, or sets it aside -----


def test_a_long_title_fits_sealed_with_the_longest_ids() -> None:
    sealer = Sealer(bytes(range(1, 33)), "k" * 64)
    sealed = sealer.seal("o" * 1024, clip_title("é" * 5000))
    assert len(clip_title("é" * 5000)) <= MAX_TITLE_BYTES
    assert len(sealed) <= MAX_SEALED_TITLE_BYTES
    assert clip_title("a\ud800b") == b"a?b"


def test_long_app_names_and_titles_flow_through_the_real_pipeline(
    lite_rig: Rig, tmp_path: Path
) -> None:
    sink = lite_rig.enrolled_sink()
    window = collect_driver.FixedWindow("A" * 500, "Ω" * 10_000)
    config = CollectorConfig(
        lite_rig.install.settings, tmp_path / "spool", flush_interval=1, upload_interval=1
    )
    summary = run_collector(
        config, 3, sink=sink, open_sources=lambda grab: collect_driver.scripted(grab, window)
    )
    assert summary.pending == 0 and summary.uploaded > 0
    assert Spool(tmp_path / "spool").rejected() == 0
    with lite_rig.install.engine.connect() as conn:
        stored = conn.execute(select(schema.app_spans)).all()
    assert stored and {row.app for row in stored} == {"A" * 200}
    title = lite_rig.install.vault().open(
        stored[0].title_ct, object_id=f"{sink.enrolled.pseudonym}/title"
    )
    assert title == clip_title("Ω" * 10_000)


def test_the_https_sink_clips_spooled_rows_as_the_embedded_sink_does(lite_rig: Rig) -> None:
    sink = lite_rig.enrolled_sink()
    span = spans(sink.enrolled, 1)[0]
    too_big = dataclasses.replace(span, app="B" * 300, site="", title_ct=bytes(5000))
    assert sink.send_spans([too_big]) == 1
    with lite_rig.install.engine.connect() as conn:
        row = conn.execute(select(schema.app_spans)).one()
    assert (row.app, row.site, row.title_ct) == ("B" * 200, None, None)


def test_a_refused_batch_is_set_aside_and_later_batches_flow(
    lite_rig: Rig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = lite_rig.enrolled_sink()
    device = sink.enrolled
    spool = Spool(tmp_path / "spool")
    person, device_id = device.person_id, device.device_id
    # A minute row off the minute grid: the service refuses it for good (400).
    spool.write(person, device_id, [MinuteRow(START + 7, 60, 30, 5, 1, 9, 0, closed=True)], [])
    uploader = Uploader(spool, sink, {person: device.pseudonym})
    with caplog.at_level(logging.WARNING, logger="collector"):
        uploader.drain(lambda: START + 3600)
    assert uploader.rejected == 1 and spool.rejected() == 1 and spool.counts().total == 0
    (line,) = [r.getMessage() for r in caplog.records if "set aside" in r.getMessage()]
    assert "1 minute rows" in line and "whole minute" in line and "\n" not in line
    good = [MinuteRow(START + 60 * i, 60, 30, 5, 1, 9, 0, closed=True) for i in range(3)]
    spool.write(person, device_id, good, [SealedSpan(START, START + 50, "App", None, None, True)])
    assert uploader.drain(lambda: START + 3600) == 4
    assert spool.counts().total == 0 and lite_rig.count(schema.activity_minutes) == 3
    kept = _spool_rows(spool.folder, "SELECT minute, status FROM rejected_minutes")
    assert kept == [(START + 7, 400)]


def test_a_refused_screenshot_is_set_aside_with_its_file(lite_rig: Rig, tmp_path: Path) -> None:
    sink = lite_rig.enrolled_sink()
    device = sink.enrolled
    state = sink.subject_state(None)
    sealer = Sealer(state.public_key.public_key, state.public_key.key_id)
    name = ScreenshotName(device.person_id, device.device_id, START, 8, 8, False)
    spool = Spool(tmp_path / "spool")
    spool.add_screenshot(name, sealer.seal("sealed-for-another-key", bytes(100)))
    uploader = Uploader(spool, sink, {device.person_id: device.pseudonym})
    uploader.drain()
    assert uploader.rejected == 1 and spool.counts().screenshots == 0
    assert (spool.folder / "rejected" / name.file_name).exists()
    spool.recover()  # a restart lists nothing again: the file left the upload folder
    assert spool.counts().screenshots == 0 and lite_rig.count(schema.screenshots) == 0


def _spool_rows(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(folder / "spool.db") as db:
        return db.execute(sql).fetchall()


# -- 5. a revoked token stops `traq collect` with a clear message, the spool kept -------------


def test_a_revoked_token_stops_collect_with_a_clear_message(lite_rig: Rig, tmp_path: Path) -> None:
    spool = tmp_path / "laptop" / "spool"
    pseudonym = lite_rig.install.add_person()
    token = enrol_device(lite_rig.url, lite_rig.code(pseudonym), Transport())
    save_token(token_path({}, spool), token)
    env = _device_env(tmp_path, lite_rig.url, spool)
    fast = ("--flush-interval", "1", "--upload-interval", "1", "--check-interval", "60")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.collect_driver", "--duration", "120", *fast],
        cwd=ROOT,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: capturing(spool) or child.poll() is not None, 60, "capture")
        wait_until(lambda: lite_rig.count(schema.activity_minutes) > 0, 30, "a first upload")
        with lite_rig.install.engine.begin() as conn:
            assert enrolment.revoke(conn, token.device_id, datetime.now(UTC))
        started = time.monotonic()
        _out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert time.monotonic() - started < 30  # stopped, not retrying for ever
    result = subprocess.CompletedProcess(child.args, child.returncode, _out, err)
    lines = err.strip().splitlines()
    assert result.returncode == 1 and "Traceback" not in err
    assert "this device's token was refused" in lines[-1] and "enrol again" in lines[-1]
    assert "spool is kept" in lines[-1]
    assert "storage unreachable" not in err
    assert (spool / "spool.db").exists() and (spool / "device.json").exists()


def _device_env(tmp_path: Path, url: str, spool: Path) -> dict[str, str]:
    return {
        "TRAQ_DATA_DIR": str(tmp_path / "laptop"),
        "TRAQ_SPOOL_DIR": str(spool),
        "TRAQ_INGEST_URL": url,
    }


# -- 6. a spool written for another device is refused at start ---------------------------------


def test_a_spool_of_another_device_is_refused_at_start(lite_rig: Rig, tmp_path: Path) -> None:
    spool = tmp_path / "laptop" / "spool"
    spool.mkdir(parents=True)
    token = lite_rig.enrolled_sink().enrolled
    save_token(token_path({}, spool), token)
    # device.json as the embedded sink wrote it: the same person, another device row.
    save_identity(spool, _identity(token, device_id=token.device_id + 100))
    env = _device_env(tmp_path, lite_rig.url, spool)
    with pytest.raises(CollectorConfigError, match="belongs to device"):
        open_https_sink(env, spool)
    result = traq("collect", "--duration", "1", env=env)
    assert_one_line_error(result, f"belongs to device {token.device_id + 100}", "TRAQ_SPOOL_DIR")
    save_identity(spool, _identity(token, device_id=token.device_id))
    assert isinstance(open_https_sink(env, spool), HttpsSink)


def _identity(token: DeviceToken, device_id: int) -> DeviceIdentity:
    return DeviceIdentity(token.pseudonym, token.person_id, device_id, "k1", bytes(32), "UTC")


# -- 7. a batch is all or nothing ---------------------------------------------------------------


def test_a_batch_whose_spans_fail_their_contract_writes_no_minutes(rig: Rig) -> None:
    device = rig.enrolled_sink().enrolled
    before = snapshot(rig.install.engine)
    bad_span = as_json(spans(device, 1)[0], start_ts=1, end_ts=2)  # before 2020: the contract
    body = {"minutes": [as_json(row) for row in minutes(device, 3)], "spans": [bad_span]}
    answer = call("POST", f"{rig.url}/v1/batches", body, token=device.token)
    assert_refused(answer, 422, "spans failed their data contract")
    after = snapshot(rig.install.engine)
    assert {k: v for k, v in after.items() if k != "quarantined_batches"} == {
        k: v for k, v in before.items() if k != "quarantined_batches"
    }
    with rig.install.engine.connect() as conn:
        held = conn.execute(select(schema.quarantined_batches)).all()
    assert sorted((row.dataset, row.row_count) for row in held) == [
        ("activity_minutes", 3),
        ("app_spans", 1),
    ]
