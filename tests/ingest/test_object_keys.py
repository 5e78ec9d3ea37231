"""Issue 19: the service derives every screenshot key; a device cannot choose or overwrite one.

Each test replays the attack against the real ingestion service and shows it refused with
nothing stored.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.error

from sqlalchemy import select

from storage.db import schema
from tests.ingest.conftest import Rig
from tests.ingest.service import assert_refused, call
from tests.ingest.test_screenshots import (
    TAKEN_AT,
    announce,
    commit_body,
    meta,
    put,
    sealed_shot,
)


def _checksum(data: bytes) -> dict[str, str]:
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    return {"x-amz-checksum-sha256": digest, "Content-Type": "application/octet-stream"}


def _objects(rig: Rig, pseudonym: str) -> list[str]:
    return list(rig.install.objects.list_keys(f"subjects/{pseudonym}/"))


def test_a_device_chosen_key_under_its_own_prefix_is_refused(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    device, token = sink.enrolled, sink.enrolled.token
    _, envelope, _ = sealed_shot(rig, sink)
    prefix = f"subjects/{device.pseudonym}/screenshots/"
    for chosen in (f"{prefix}2026/13/45/x", f"{prefix}junk.tqe", f"{prefix}2026/05/28/1-d9.tqe"):
        answer = call(
            "POST", f"{rig.url}/v1/screenshots/presign", announce(chosen, envelope), token
        )
        assert_refused(answer, 403, "derived by the service")
        # Straight to the service's own upload route (a folder store): refused the same.
        answer = call(
            "PUT", f"{rig.url}/v1/screenshots/{chosen}", envelope, token, _checksum(envelope)
        )
        assert_refused(answer, 403)
        body = {**commit_body(chosen, envelope), "key": chosen}
        assert_refused(call("POST", f"{rig.url}/v1/screenshots/commit", body, token), 403)
    assert _objects(rig, device.pseudonym) == [] and rig.count(schema.screenshots) == 0


def test_presign_derives_the_key_from_taken_at_alone(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    key, envelope, _ = sealed_shot(rig, sink)
    body = {k: v for k, v in announce(key, envelope).items() if k != "key"}
    target = call(
        "POST",
        f"{rig.url}/v1/screenshots/presign",
        {**body, "taken_at": TAKEN_AT},
        sink.enrolled.token,
    )
    assert target.status == 200 and target.body["url"].endswith(key), target
    assert (
        "taken_at"
        in call("POST", f"{rig.url}/v1/screenshots/presign", body, sink.enrolled.token).body[
            "error"
        ]
    )


def test_a_stored_screenshot_is_never_overwritten_through_the_service(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    key, envelope, _ = sealed_shot(rig, sink)
    sink.send_screenshot(key, envelope, meta(sink))
    token = sink.enrolled.token
    forged = envelope[:-1] + bytes([envelope[-1] ^ 1])
    answer = call("POST", f"{rig.url}/v1/screenshots/presign", announce(key, forged), token)
    assert_refused(answer, 409, "never overwritten")
    answer = call("PUT", f"{rig.url}/v1/screenshots/{key}", forged, token, _checksum(forged))
    assert_refused(answer, 409, "never overwritten")
    assert rig.install.objects.get(key) == envelope
    # The same bytes again (a retry after a lost answer): nothing to upload, commit next.
    again = call("POST", f"{rig.url}/v1/screenshots/presign", announce(key, envelope), token)
    assert again.status == 200 and again.body == {"uploaded": True}
    sink.send_screenshot(key, envelope, meta(sink))
    assert rig.count(schema.screenshots) == 1


def test_s3_refuses_a_second_put_and_presign_refuses_other_bytes(s3_rig: Rig) -> None:
    sink = s3_rig.enrolled_sink()
    key, envelope, _ = sealed_shot(s3_rig, sink)
    token, url = sink.enrolled.token, f"{s3_rig.url}/v1/screenshots/presign"
    first = call("POST", url, announce(key, envelope), token).body
    second = call("POST", url, announce(key, envelope), token).body  # two presigns racing
    assert put(first["url"], envelope, first["headers"]) == 200
    try:
        status = put(second["url"], envelope, second["headers"])
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 412  # If-None-Match: * is signed into the URL: S3 keeps the first
    forged = envelope[:-1] + bytes([envelope[-1] ^ 1])
    assert_refused(call("POST", url, announce(key, forged), token), 409, "never overwritten")
    assert call("POST", url, announce(key, envelope), token).body == {"uploaded": True}
    sink.send_screenshot(key, envelope, meta(sink))  # the collector commits without a PUT
    with s3_rig.install.engine.connect() as conn:
        keys = conn.execute(select(schema.screenshots.c.object_key)).scalars().all()
    assert keys == [key] and s3_rig.install.objects.get(key) == envelope
    versions = list(s3_rig.install.objects.list_versions(key))
    assert len(versions) == 1
