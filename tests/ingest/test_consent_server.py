"""Consent on the server: after a withdrawal (or objection), nothing captured later is stored.

A device learns of the right up to a minute late and sends what it captured meanwhile: a
batch of minutes and spans and a screenshot. Through the real ingestion service (over each
database, and over PostgreSQL + a versioned bucket) and through the embedded sink, the rows
captured before the right are stored, those after it are not, a span across it is cut, and
the screenshot leaves no row, no object and no object version; the device is told the items
are done with (no retry, nothing set aside).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from activity.records import PendingMinute, PendingSpan, ScreenshotMeta
from collector.sinks.base import Sink
from collector.sinks.embedded import EmbeddedSink
from services.rights import file_request, give_consent, load_actor
from storage.accounts import create_user
from storage.crypto.envelope import seal
from storage.db import schema
from storage.objects import ObjectStore, screenshot_key
from tests.collector.install import Install, installation
from tests.ingest.conftest import Rig
from tests.ingest.service import call
from tests.ingest.test_screenshots import announce


def _withdraw(engine: Engine, person_id: int, kind: str = "consent_withdrawal") -> int:
    """The person files the right now; the moment it took effect (epoch seconds)."""
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as c:
        create_user(c, f"u{person_id}-{kind[:4]}", "employee", None, now, person_id=person_id)
        file_request(c, load_actor(c, f"u{person_id}-{kind[:4]}"), person_id, kind, now)
    return int(now.timestamp())


def _minute(person: int, device: int, at: int) -> PendingMinute:
    return PendingMinute(person, device, at - at % 60, 30, 5, 2, 40, 1, 1)


def _span(person: int, device: int, start: int, end: int) -> PendingSpan:
    return PendingSpan(person, device, start, end, "Editor", None, None, 1)


def _shot(sink: Sink, pseudonym: str, person: int, device: int, at: int) -> tuple[str, bytes]:
    key = screenshot_key(pseudonym, at, device)
    public = sink.subject_state(pseudonym).public_key
    return key, seal(public.public_key, public.key_id, key, os.urandom(2000))


def _stored(engine: Engine, person: int) -> dict[str, list[tuple[int, ...]]]:
    m, s, shot = schema.activity_minutes.c, schema.app_spans.c, schema.screenshots.c
    queries = {
        "minutes": select(m.minute).where(m.person_id == person),
        "spans": select(s.start_ts, s.end_ts).where(s.person_id == person),
        "shots": select(shot.taken_at).where(shot.person_id == person),
    }
    with engine.connect() as c:
        return {name: [tuple(r) for r in c.execute(q)] for name, q in queries.items()}


def _send_across_the_stop(
    sink: Sink,
    engine: Engine,
    objects: ObjectStore,
    ids: tuple[str, int, int],
    kind: str = "consent_withdrawal",
) -> int:
    """File the right, then send what was captured before and after it; check storage."""
    pseudonym, person, device = ids
    stop = _withdraw(engine, person, kind)
    before, after = stop - 600, stop + 90
    sink.send_minutes([_minute(person, device, before), _minute(person, device, after),
                       _minute(person, device, stop)])  # fmt: skip
    sink.send_spans(
        [_span(person, device, before, stop + 30), _span(person, device, after, after + 5)]
    )
    early_key, early = _shot(sink, pseudonym, person, device, before)
    late_key, late = _shot(sink, pseudonym, person, device, after)
    for key, envelope, at in ((early_key, early, before), (late_key, late, after)):
        sink.send_screenshot(key, envelope, ScreenshotMeta(person, device, at, 64, 36, False))

    stored = _stored(engine, person)
    assert stored["minutes"] == [(before - before % 60,)]
    assert stored["spans"] == [(before, stop)]  # cut where the right took effect
    assert stored["shots"] == [(before,)]
    assert list(objects.list_versions(late_key)) == []
    assert objects.exists(early_key)
    return stop


def test_ingestion_service_stores_nothing_captured_after_a_withdrawal(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    device = sink.enrolled
    ids = (device.pseudonym, device.person_id, device.device_id)
    _send_across_the_stop(sink, rig.install.engine, rig.install.objects, ids)


def test_over_s3_the_late_screenshot_is_refused_before_upload(s3_rig: Rig) -> None:
    sink = s3_rig.enrolled_sink()
    device = sink.enrolled
    ids = (device.pseudonym, device.person_id, device.device_id)
    stop = _send_across_the_stop(sink, s3_rig.install.engine, s3_rig.install.objects, ids)
    key, envelope = _shot(sink, device.pseudonym, device.person_id, device.device_id, stop + 120)
    answer = call("POST", f"{s3_rig.url}/v1/screenshots/presign", announce(key, envelope),
                  device.token)  # fmt: skip
    assert answer.status == 410 and "withdrew consent or objected" in answer.body["error"]


@pytest.fixture
def install(tmp_path: Path, database_url: str) -> Iterator[Install]:
    with installation(tmp_path, database_url) as inst:
        yield inst


def test_embedded_sink_stores_nothing_captured_after_an_objection(install: Install) -> None:
    sink = EmbeddedSink(install.settings)
    pseudonym = install.add_person()
    person = sink.subject_state(pseudonym).person_id
    device = sink.register_device(person, "laptop", "linux")
    ids = (pseudonym, person, device)
    _send_across_the_stop(sink, install.engine, install.objects, ids, "objection")
    sink.close()


def test_consent_given_again_resumes_but_the_interval_stays_dropped(install: Install) -> None:
    sink = EmbeddedSink(install.settings)
    pseudonym = install.add_person()
    person = sink.subject_state(pseudonym).person_id
    device = sink.register_device(person, "laptop", "linux")
    stop = _withdraw(install.engine, person)
    resumed = datetime.fromtimestamp(stop + 3600, UTC)
    with install.engine.begin() as c:
        give_consent(c, load_actor(c, f"u{person}-cons"), person, resumed)
    sink.send_minutes([_minute(person, device, stop + 600), _minute(person, device, stop + 4000)])
    assert _stored(install.engine, person)["minutes"] == [(stop + 4000 - (stop + 4000) % 60,)]
    sink.close()


@pytest.fixture
def pg_install(tmp_path: Path, pg_schema_url: str) -> Iterator[Install]:
    with installation(tmp_path, pg_schema_url) as inst:
        yield inst


def test_an_embedded_collector_whose_clock_is_behind_the_database_keeps_nothing_after_a_right(
    pg_install: Install,
) -> None:
    """A collector writing straight to the company's PostgreSQL from a laptop whose clock runs
    10 minutes behind: what it captured 2 minutes after the withdrawal is stamped 8 minutes
    before it. The sink measures its clock against the database's at each write
    (``storage.db_clock``): minutes, span and screenshot are dropped, an earlier one kept."""
    slow = 10 * 60
    sink = EmbeddedSink(pg_install.settings, clock=lambda: time.time() - slow)
    pseudonym = pg_install.add_person()
    person = sink.subject_state(pseudonym).person_id
    device = sink.register_device(person, "laptop", "linux")
    stop = _withdraw(pg_install.engine, person)
    late, early = stop + 120 - slow, stop - 20 * 60 - slow  # as the slow clock stamps them
    sink.send_minutes([_minute(person, device, early), _minute(person, device, late)])
    sink.send_spans(
        [_span(person, device, early, early + 30), _span(person, device, late, late + 30)]
    )
    key, envelope = _shot(sink, pseudonym, person, device, late)
    sink.send_screenshot(key, envelope, ScreenshotMeta(person, device, late, 64, 36, False))
    stored = _stored(pg_install.engine, person)
    assert stored["minutes"] == [(early - early % 60,)]
    assert [row[0] for row in stored["spans"]] == [early]
    assert stored["shots"] == [] and not pg_install.objects.exists(key)
    sink.close()
