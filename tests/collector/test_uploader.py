"""Uploader and embedded sink: idempotent, confirmed-only, backoff, over every backend."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Table, delete, func, select

from activity.records import PendingMinute, PendingSpan
from collector.errors import SinkUnavailable
from collector.pipeline.sessionizer import MinuteRow
from collector.pipeline.uploader import Backoff, Uploader, UploadWorker
from collector.sinks.embedded import EmbeddedSink
from collector.spool import ScreenshotName, SealedSpan, Spool
from storage.crypto.envelope import Sealer
from storage.db import schema
from storage.objects import S3ObjectStore, screenshot_key
from tests.collector.helpers import Background, spool_query, wait_until
from tests.collector.install import Install, installation
from tests.fixtures.s3 import S3Endpoint

T0 = 1_767_225_600


@pytest.fixture
def install(tmp_path: Path, database_url: str) -> Iterator[Install]:
    with installation(tmp_path, database_url) as inst:
        yield inst


@pytest.fixture
def sink(install: Install) -> Iterator[EmbeddedSink]:
    sink = EmbeddedSink(install.settings)
    yield sink
    sink.close()


def _bound(install: Install, sink: EmbeddedSink) -> tuple[str, int, int, Sealer]:
    pseudonym = install.add_person()
    state = sink.subject_state(pseudonym)
    device = sink.register_device(state.person_id, "test", "linux")
    key = state.public_key
    return pseudonym, state.person_id, device, Sealer(key.public_key, key.key_id)


def _count(install: Install, table: Table) -> int:
    with install.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_spooled_rows_reach_the_database_once_with_rollups(
    install: Install, sink: EmbeddedSink, tmp_path: Path
) -> None:
    pseudonym, person, device, sealer = _bound(install, sink)
    spool = Spool(tmp_path / "spool")
    title = sealer.seal(f"{pseudonym}/title", b"report.odt")
    spool.write(person, device, [MinuteRow(T0, 60, 30, 40, 2, 9, 1)], [])
    spool.write(person, device, [], [SealedSpan(T0, T0 + 20, "writer", None, title, False)])
    uploader = Uploader(spool, sink, {person: pseudonym})
    assert uploader.drain() == 2
    spool.write(person, device, [], [SealedSpan(T0, T0 + 50, "writer", None, title, True)])
    assert uploader.drain() == 1 and uploader.uploaded == 2
    with install.engine.connect() as connection:
        spans = connection.execute(select(schema.app_spans)).all()
        slot = connection.execute(select(schema.activity_10min)).one()
    assert [(s.start_ts, s.end_ts, s.app) for s in spans] == [(T0, T0 + 50, "writer")]
    assert install.vault().open(spans[0].title_ct, object_id=f"{pseudonym}/title") == b"report.odt"
    assert (slot.tracked_seconds, slot.active_seconds, slot.key_presses) == (60, 30, 40)
    assert spool.counts().total == 0


def test_sending_a_batch_again_changes_nothing(install: Install, sink: EmbeddedSink) -> None:
    _pseudonym, person, device, _sealer = _bound(install, sink)
    minutes = [PendingMinute(person, device, T0 + 60 * i, 10, 1, 2, 3, 4, 1) for i in range(3)]
    spans = [PendingSpan(person, device, T0, T0 + 90, "code", "example.org", None, 1)]
    for _ in range(2):
        assert sink.send_minutes(minutes) == 3
        assert sink.send_spans(spans) == 1
    assert _count(install, schema.activity_minutes) == 3
    assert _count(install, schema.app_spans) == 1


def test_an_idle_cut_span_refreshes_the_time_it_no_longer_covers(
    install: Install, sink: EmbeddedSink
) -> None:
    _pseudonym, person, device, _sealer = _bound(install, sink)
    sink.send_spans([PendingSpan(person, device, T0, T0 + 700, "code", None, None, 1)])
    sink.send_spans([PendingSpan(person, device, T0, T0 + 100, "code", None, None, 2)])
    with install.engine.connect() as connection:
        seconds = connection.execute(select(schema.app_daily.c.seconds)).scalars().all()
    assert seconds == [100]


def test_a_screenshot_is_stored_once_however_often_it_is_sent(
    install: Install, sink: EmbeddedSink
) -> None:
    pseudonym, person, device, sealer = _bound(install, sink)
    key = screenshot_key(pseudonym, T0, device)
    data = sealer.seal(key, b"pixels")
    meta = ScreenshotName(person, device, T0, 4, 3, False)
    sink.send_screenshot(key, data, meta)  # raises unless stored
    sink.send_screenshot(key, data, meta)
    assert list(install.objects.list_keys()) == [key]
    assert _count(install, schema.screenshots) == 1


def test_rows_of_an_erased_person_are_confirmed_and_dropped(
    install: Install, sink: EmbeddedSink
) -> None:
    _pseudonym, person, device, _sealer = _bound(install, sink)
    with install.engine.begin() as connection:
        connection.execute(delete(schema.people).where(schema.people.c.id == person))
    rows = [PendingMinute(person, device, T0, 10, 1, 2, 3, 4, 1)]
    assert sink.send_minutes(rows) == 1
    assert _count(install, schema.activity_minutes) == 0


def test_a_batch_breaking_its_contract_is_quarantined_whole(
    install: Install, sink: EmbeddedSink
) -> None:
    _pseudonym, person, device, _sealer = _bound(install, sink)
    good = PendingMinute(person, device, T0, 10, 1, 2, 3, 4, 1)
    bad = PendingMinute(person, device, T0 + 60, 61, 1, 2, 3, 4, 1)  # 61 active seconds
    assert sink.send_minutes([good, bad]) == 2  # acknowledged: the spool must not retry it
    assert _count(install, schema.activity_minutes) == 0  # nothing half-written
    with install.engine.connect() as connection:
        quarantined = connection.execute(select(schema.quarantined_batches)).one()
    assert quarantined.dataset == "activity_minutes" and quarantined.row_count == 2


def test_a_screenshot_breaking_its_contract_is_quarantined_and_never_stored(
    install: Install, sink: EmbeddedSink
) -> None:
    pseudonym, person, device, sealer = _bound(install, sink)
    ancient = 1_000  # 1970: outside the contract's range for taken_at
    key = screenshot_key(pseudonym, ancient, device)
    meta = ScreenshotName(person, device, ancient, 4, 3, False)
    sink.send_screenshot(key, sealer.seal(key, b"pixels"), meta)  # acknowledged
    assert _count(install, schema.screenshots) == 0
    assert list(install.objects.list_keys()) == []  # no object without a row
    with install.engine.connect() as connection:
        quarantined = connection.execute(select(schema.quarantined_batches)).one()
    assert quarantined.dataset == "screenshots" and quarantined.row_count == 1


class FlakySink:
    """A sink that refuses everything while ``down``; records what it confirmed."""

    def __init__(self, inner: EmbeddedSink) -> None:
        self.inner = inner
        self.down = True
        self.calls = 0

    def send_minutes(self, rows: Sequence[PendingMinute]) -> int:
        self.calls += 1
        if self.down:
            raise SinkUnavailable("cannot store minute rows: test outage")
        return self.inner.send_minutes(rows)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_an_unreachable_sink_keeps_everything_and_one_warning_is_logged(
    install: Install, sink: EmbeddedSink, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pseudonym, person, device, _sealer = _bound(install, sink)
    spool = Spool(tmp_path / "spool")
    spool.write(person, device, [MinuteRow(T0, 60, 1, 1, 0, 0, 0, True)], [])
    flaky = FlakySink(sink)
    worker = UploadWorker(Uploader(spool, flaky, {person: pseudonym}), 60, Backoff())  # type: ignore[arg-type]
    assert not worker.attempt() and not worker.attempt()
    assert spool.counts().minutes == 1
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "test outage" in warnings[0].getMessage()
    flaky.down = False
    assert worker.attempt()
    assert spool.counts().minutes == 0 and _count(install, schema.activity_minutes) == 1


def test_backoff_doubles_up_to_a_cap_with_jitter() -> None:
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(12)]
    ceilings = [min(60.0, 2.0**i) for i in range(12)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_the_first_run_without_a_subject_picks_the_only_person(
    install: Install, sink: EmbeddedSink
) -> None:
    pseudonym = install.add_person()
    assert sink.subject_state(None).pseudonym == pseudonym
    install.add_person()
    with pytest.raises(Exception, match="--subject"):
        sink.subject_state(None)


@pytest.mark.usefixtures("window_manager")
def test_capture_goes_on_through_an_s3_outage_and_the_spool_drains_after(
    tmp_path: Path, s3_store_url: str, s3_endpoint: S3Endpoint
) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", s3_store_url) as install:
        pseudonym = install.add_person()
        config = install.config(
            subject=pseudonym,
            screenshot_interval=1.0,
            flush_interval=1.0,
            upload_interval=1.0,
            retry_cap=2.0,
        )
        s3_endpoint.stop()
        try:
            run = Background(config)
            run.wait_capturing()
            wait_until(lambda: _spooled_shots(install) >= 2, 30, "screenshots to pile up")
            grown_from = _spooled_shots(install)
            wait_until(lambda: _spooled_shots(install) > grown_from, 30, "the spool to grow")
            assert _count(install, schema.activity_minutes) >= 1  # the database is still up
        finally:
            s3_endpoint.start()
        bucket, _, prefix = s3_store_url.removeprefix("s3://").partition("/")
        S3ObjectStore(bucket, prefix).ensure_bucket(versioned=True)  # moto restarts empty
        wait_until(lambda: _spooled_shots(install) == 0, 60, "the spool to drain")
        summary = run.stop()
        keys = list(install.objects.list_keys())
        versions = list(install.objects.list_versions())
    assert summary.pending == 0
    assert summary.screenshots == len(keys) == len(versions) == _count(install, schema.screenshots)


def _spooled_shots(install: Install) -> int:
    return len(spool_query(install.spool_dir, "SELECT 1 FROM screenshots"))
