"""Two devices of one person uploading at the same moment: neither batch may be refused.

Found by the fleet test (``test_fleet.py``): each batch refreshes its person's rollups in
its own transaction (delete the slot rows, insert them again); two such transactions of one
person on PostgreSQL collide on ``pk_activity_10min`` (UniqueViolation) and the service
refuses a valid batch as "the database refused the batch". Answered 422, the HTTPS sink
took it for a quarantine and dropped rows that were never stored; answered 400, the device
retries, but a valid batch must not be refused for the service's own race. Here the two
devices send in lock step, which makes the collision near certain within a few dozen
batches.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from collector.sinks.device_token import DeviceToken
from collector.sinks.https import enrol_device
from ingest import enrolment
from ingest.app import IngestConfig
from storage.db import schema
from tests.collector.install import Install, installation
from tests.ingest.rows import START, as_json, minutes
from tests.ingest.service import Answer, call, running

ROUNDS = 30


def two_devices(install: Install, url: str) -> list[DeviceToken]:
    """One person, two enrolled devices."""
    pseudonym = install.add_person()
    with install.engine.begin() as conn:
        person_id, _ = enrolment.find_person(conn, pseudonym)
        codes = [enrolment.create_code(conn, person_id, datetime.now(UTC)) for _ in range(2)]
    return [enrol_device(url, code) for code in codes]


def send_in_step(url: str, devices: list[DeviceToken]) -> list[Answer]:
    """Each device sends ROUNDS growing states of the same minute; the two start together."""
    answers: list[Answer] = []
    barrier = threading.Barrier(len(devices))

    def device(token: DeviceToken) -> None:
        for i in range(ROUNDS):
            row = minutes(token, 1)[0]
            barrier.wait()
            body = {"minutes": [as_json(row, key_presses=i + 1)]}
            answers.append(call("POST", f"{url}/v1/batches", body, token=token.token))

    threads = [threading.Thread(target=device, args=(token,)) for token in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_two_devices_of_one_person_never_refuse_each_other(
    tmp_path: Path, pg_schema_url: str
) -> None:
    with installation(tmp_path, pg_schema_url) as install:
        with running(IngestConfig(install.settings, rate=1000.0, burst=1000)) as url:
            devices = two_devices(install, url)
            answers = send_in_step(url, devices)
        refused = [a for a in answers if a.status != 200]
        assert len(answers) == 2 * ROUNDS
        assert refused == [], f"{len(refused)} of {len(answers)} batches refused: {refused[0]}"
        with install.engine.connect() as conn:
            stored = conn.execute(select(schema.activity_minutes)).all()
            slot = conn.execute(select(schema.activity_10min)).one()
        assert sorted(row.key_presses for row in stored) == [ROUNDS, ROUNDS]
        assert {row.minute for row in stored} == {START}
        assert slot.key_presses == 2 * ROUNDS
