"""Enrolment: one-time codes, hashed secrets, revocable tokens bound to one person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from collector.errors import DeviceRefused, ServiceRefused, SubjectUnknown
from collector.sinks.https import enrol_device
from collector.sinks.transport import Transport
from ingest import enrolment
from storage.db import schema
from tests.collector.install import installation
from tests.ingest.conftest import Rig
from tests.ingest.rows import minutes
from tests.ingest.service import assert_refused, call
from tests.traq.cli import assert_one_line_error, traq


def test_enrolment_returns_token_public_key_and_policy(rig: Rig) -> None:
    pseudonym = rig.install.add_person()
    answer = call(
        "POST", f"{rig.url}/v1/enrol", {"code": rig.code(pseudonym), "device_name": "laptop-1"}
    )
    assert answer.status == 201, answer
    body = answer.body
    assert body["pseudonym"] == pseudonym and len(body["token"]) >= 43
    assert body["consent"] == "given" and body["policies"]["screenshot_interval_seconds"] > 0
    with rig.install.engine.connect() as conn:
        key = conn.execute(select(schema.subject_keys.c.public_key)).scalar()
        device = conn.execute(select(schema.devices)).one()
        code_rows = conn.execute(select(schema.enrol_codes)).all()
    assert bytes.fromhex(body["public_key"]) == key
    assert not {"private_key", "wrapped_private", "master_key"} & set(body)
    # Only digests are stored: neither the token nor the code can be read back.
    assert device.token_hash == enrolment.digest(body["token"]) != body["token"]
    assert all(row.used_at is not None for row in code_rows)


def test_code_is_single_use_and_expires(rig: Rig) -> None:
    pseudonym = rig.install.add_person()
    code = rig.code(pseudonym)
    enrol_device(rig.url, code, Transport())
    with pytest.raises(DeviceRefused, match="already used"):
        enrol_device(rig.url, code, Transport())
    late = rig.code(pseudonym)
    with rig.install.engine.begin() as conn:
        conn.execute(
            update(schema.enrol_codes).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with pytest.raises(DeviceRefused, match="expired"):
        enrol_device(rig.url, late, Transport())
    assert rig.count(schema.devices) == 1


@pytest.mark.parametrize(
    "body",
    [{"code": 5, "device_name": "x"}, {"code": "abc"}, {"code": "abc", "device_name": "a\nb"}],
)
def test_malformed_enrolment_is_400(rig: Rig, body: dict) -> None:
    code = rig.code(rig.install.add_person())
    body = {k: (code if v == "abc" else v) for k, v in body.items()}
    assert_refused(call("POST", f"{rig.url}/v1/enrol", body), 400)
    assert rig.count(schema.devices) == 0


def test_revoked_token_is_refused_everywhere(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    sink.send_minutes(minutes(sink.enrolled, 1))
    with rig.install.engine.begin() as conn:
        assert enrolment.revoke(conn, sink.enrolled.device_id, datetime.now(UTC))
        assert not enrolment.revoke(conn, sink.enrolled.device_id, datetime.now(UTC))
    with pytest.raises(DeviceRefused, match="enrol again"):
        sink.send_minutes(minutes(sink.enrolled, 2))
    with pytest.raises(DeviceRefused):
        sink.subject_state(None)
    token = sink.enrolled.token
    for path in ("/v1/batches", "/v1/screenshots/presign", "/v1/screenshots/commit"):
        assert_refused(call("POST", f"{rig.url}{path}", {}, token), 401, "revoked")
    assert rig.count(schema.activity_minutes) == 1


def test_sink_is_bound_to_its_person(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    state = sink.subject_state(None)
    assert state.pseudonym == sink.enrolled.pseudonym
    assert sink.register_device(state.person_id, "x", "linux") == sink.enrolled.device_id
    with pytest.raises(SubjectUnknown):
        sink.subject_state("s_0000000000000000")
    with pytest.raises(SubjectUnknown):
        sink.register_device(state.person_id + 1, "x", "linux")
    with pytest.raises(ServiceRefused):
        call_sink_for_other = rig.enrolled_sink()
        sink.send_minutes(minutes(call_sink_for_other.enrolled, 1))


def test_devices_command_creates_codes_lists_and_revokes(tmp_path: Path) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as install:
        pseudonym = install.add_person()
        made = traq("devices", "enrol-code", "--person", pseudonym, env=install.env)
        assert made.returncode == 0, made.stderr
        code = made.stdout.splitlines()[0]
        with install.engine.begin() as conn:
            enrolled = enrolment.enrol(conn, code, "laptop", "linux", datetime.now(UTC))
        assert code not in repr(_all_rows(install.engine))
        listed = traq("devices", "list", "--json", env=install.env)
        assert '"state": "enrolled"' in listed.stdout and pseudonym in listed.stdout
        device = str(enrolled.auth.device_id)
        assert traq("devices", "revoke", device, env=install.env).returncode == 0
        assert '"state": "revoked"' in traq("devices", "list", "--json", env=install.env).stdout
        assert_one_line_error(traq("devices", "revoke", device, env=install.env), "no enrolled")
        assert_one_line_error(
            traq("devices", "enrol-code", "--person", "s_ffffffffffffffff", env=install.env),
            "no person",
        )
        assert_one_line_error(
            traq("devices", "enrol-code", "--person", "1", "--valid-hours", "0", env=install.env),
            "--valid-hours",
        )


def _all_rows(engine: object) -> list[object]:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(schema.enrol_codes))]
