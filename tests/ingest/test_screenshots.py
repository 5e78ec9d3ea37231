"""Screenshots: presigned PUT to S3 (or through the service for a folder), then commit."""

from __future__ import annotations

import base64
import hashlib
import os
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from collector.sinks.https import HttpsSink
from collector.spool.files import ScreenshotName
from storage.crypto.envelope import seal
from storage.db import schema
from storage.objects.keys import screenshot_key
from tests.ingest.conftest import Rig
from tests.ingest.service import assert_refused, call
from tests.ingest.sigv4 import signature_valid

TAKEN_AT = 1_780_000_123


def sealed_shot(rig: Rig, sink: HttpsSink, taken_at: int = TAKEN_AT) -> tuple[str, bytes, bytes]:
    """(key, envelope, plaintext) of a screenshot sealed to the device's person, as it does."""
    device = sink.enrolled
    state = sink.subject_state(None)
    key = screenshot_key(device.pseudonym, taken_at, device.device_id)
    plaintext = os.urandom(5000)
    envelope = seal(state.public_key.public_key, state.public_key.key_id, key, plaintext)
    return key, envelope, plaintext


def meta(sink: HttpsSink, taken_at: int = TAKEN_AT) -> ScreenshotName:
    device = sink.enrolled
    return ScreenshotName(device.person_id, device.device_id, taken_at, 640, 480, False)


def announce(key: str, envelope: bytes) -> dict[str, object]:
    digest = base64.b64encode(hashlib.sha256(envelope).digest()).decode()
    return {"key": key, "size": len(envelope), "sha256": digest}


def commit_body(key: str, envelope: bytes, taken_at: int = TAKEN_AT) -> dict[str, object]:
    return {
        "key": key,
        "size": len(envelope),
        "taken_at": taken_at,
        "width": 640,
        "height": 480,
        "blurred": False,
    }


def put(url: str, data: bytes, headers: dict[str, str]) -> int:
    # urllib's default form content type makes moto's server parse the body as a form.
    sent = {**headers, "Content-Type": "application/octet-stream"}
    request = urllib.request.Request(url, data=data, headers=sent, method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def assert_stored_and_opens(rig: Rig, key: str, plaintext: bytes) -> None:
    with rig.install.engine.connect() as conn:
        rows = conn.execute(select(schema.screenshots)).all()
    assert [row.object_key for row in rows] == [key]
    envelope = rig.install.objects.get(key)
    assert plaintext not in envelope
    assert rig.install.vault().open(envelope, object_id=key) == plaintext


def test_presign_put_commit_stores_an_object_the_vault_opens(s3_rig: Rig) -> None:
    sink = s3_rig.enrolled_sink()
    key, envelope, plaintext = sealed_shot(s3_rig, sink)
    token = sink.enrolled.token
    target = call("POST", f"{s3_rig.url}/v1/screenshots/presign", announce(key, envelope), token)
    assert target.status == 200 and target.body["url"].startswith("http://127.0.0.1")
    assert "Authorization" not in target.body["headers"]  # S3 needs no device token
    assert put(target.body["url"], envelope, target.body["headers"]) == 200
    answer = call("POST", f"{s3_rig.url}/v1/screenshots/commit", commit_body(key, envelope), token)
    assert answer.status == 200, answer
    assert_stored_and_opens(s3_rig, key, plaintext)
    # A replay (the spool retrying after a lost answer) changes nothing.
    sink.send_screenshot(key, envelope, meta(sink))
    assert_stored_and_opens(s3_rig, key, plaintext)


def test_presigned_url_is_bound_to_key_size_checksum_and_expiry(s3_rig: Rig) -> None:
    sink = s3_rig.enrolled_sink()
    key, envelope, _ = sealed_shot(s3_rig, sink)
    target = call(
        "POST", f"{s3_rig.url}/v1/screenshots/presign", announce(key, envelope), sink.enrolled.token
    ).body
    url, now = target["url"], datetime.now(UTC)
    headers = {**target["headers"], "content-length": str(len(envelope))}
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    params = dict(parse_qsl(urlsplit(url).query))
    signed = "content-length;host;if-none-match;x-amz-checksum-sha256"
    assert params["X-Amz-SignedHeaders"] == signed
    assert int(params["X-Amz-Expires"]) <= 300
    assert signature_valid(url, secret, headers, now)  # the check agrees with S3 on the real URL
    parts = urlsplit(url)
    other = screenshot_key(f"s_{'0' * 16}", TAKEN_AT, sink.enrolled.device_id)
    moved = urlunsplit(parts._replace(path=parts.path.replace(key, other)))
    forged = urlunsplit(parts._replace(query=urlencode({**params, "X-Amz-Signature": "0" * 64})))
    longer = urlunsplit(parts._replace(query=urlencode({**params, "X-Amz-Expires": "86400"})))
    assert not signature_valid(moved, secret, headers, now)
    assert not signature_valid(forged, secret, headers, now)
    assert not signature_valid(longer, secret, headers, now)
    assert not signature_valid(url, secret, {**headers, "content-length": "1"}, now)
    assert not signature_valid(url, secret, {**headers, "x-amz-checksum-sha256": "AA=="}, now)
    assert not signature_valid(url, secret, headers, now + timedelta(seconds=301))
    # Without If-None-Match: * (a PUT that would replace an object) the signature fails too.
    overwriting = {k: v for k, v in headers.items() if k.lower() != "if-none-match"}
    assert not signature_valid(url, secret, overwriting, now)


def test_presign_or_commit_for_another_persons_key_is_403(s3_rig: Rig) -> None:
    mine, theirs = s3_rig.enrolled_sink(), s3_rig.enrolled_sink()
    their_key, envelope, _ = sealed_shot(s3_rig, theirs)
    token = mine.enrolled.token
    answer = call(
        "POST", f"{s3_rig.url}/v1/screenshots/presign", announce(their_key, envelope), token
    )
    assert_refused(answer, 403, "own person's prefix")
    theirs.send_screenshot(their_key, envelope, meta(theirs))
    answer = call(
        "POST", f"{s3_rig.url}/v1/screenshots/commit", commit_body(their_key, envelope), token
    )
    assert_refused(answer, 403)
    # Own prefix, but a key naming another device or time than the row: refused too.
    own_key, own_envelope, _ = sealed_shot(s3_rig, mine)
    body = commit_body(own_key, own_envelope, taken_at=TAKEN_AT + 1)
    assert_refused(call("POST", f"{s3_rig.url}/v1/screenshots/commit", body, token), 403)
    assert s3_rig.count(schema.screenshots) == 1  # only theirs, committed by them


def test_commit_checks_the_object_is_there_whole(s3_rig: Rig) -> None:
    sink = s3_rig.enrolled_sink()
    key, envelope, _ = sealed_shot(s3_rig, sink)
    url, token = f"{s3_rig.url}/v1/screenshots/commit", sink.enrolled.token
    assert_refused(call("POST", url, commit_body(key, envelope), token), 400, "upload it first")
    s3_rig.install.objects.put(key, envelope[:-10])  # a truncated upload
    assert_refused(call("POST", url, commit_body(key, envelope), token), 400, "size")
    s3_rig.install.objects.put(key, b"not an envelope" * 10)
    body = {**commit_body(key, envelope), "size": 150}
    assert_refused(call("POST", url, body, token), 400, "sealed envelope")
    assert s3_rig.count(schema.screenshots) == 0


def test_folder_store_takes_the_upload_through_the_service(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    key, envelope, plaintext = sealed_shot(rig, sink)
    sink.send_screenshot(key, envelope, meta(sink))
    sink.send_screenshot(key, envelope, meta(sink))  # replay
    assert_stored_and_opens(rig, key, plaintext)
    token = sink.enrolled.token
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    answer = call(
        "PUT",
        f"{rig.url}/v1/screenshots/{key}",
        envelope,
        token,
        headers={"x-amz-checksum-sha256": wrong, "Content-Type": "application/octet-stream"},
    )
    assert_refused(answer, 400, "checksum")
    other = rig.enrolled_sink()
    their_key = screenshot_key(other.enrolled.pseudonym, TAKEN_AT, other.enrolled.device_id)
    answer = call("PUT", f"{rig.url}/v1/screenshots/{their_key}", envelope, token)
    assert_refused(answer, 403)
    assert not rig.install.objects.exists(their_key)


@pytest.mark.parametrize(
    ("change", "status"),
    [({"size": 0}, 400), ({"size": "12"}, 400), ({"sha256": "abc"}, 400), ({"key": "../x"}, 400)],
)
def test_bad_presign_requests_are_400(rig: Rig, change: dict, status: int) -> None:
    sink = rig.enrolled_sink()
    key, envelope, _ = sealed_shot(rig, sink)
    body = {**announce(key, envelope), **change}
    answer = call("POST", f"{rig.url}/v1/screenshots/presign", body, sink.enrolled.token)
    assert_refused(answer, status)


def test_a_screenshot_row_failing_its_contract_is_quarantined_without_its_object(
    s3_rig: Rig,
) -> None:
    sink = s3_rig.enrolled_sink()
    ancient = 1_000  # 1970: no TraqNext screenshot is that old (the contract's range)
    key, envelope, _ = sealed_shot(s3_rig, sink, taken_at=ancient)
    token = sink.enrolled.token
    target = call("POST", f"{s3_rig.url}/v1/screenshots/presign", announce(key, envelope), token)
    assert put(target.body["url"], envelope, target.body["headers"]) == 200
    body = commit_body(key, envelope, taken_at=ancient)
    answer = call("POST", f"{s3_rig.url}/v1/screenshots/commit", body, token)
    assert_refused(answer, 422, "data contract")
    assert s3_rig.count(schema.screenshots) == 0
    assert not s3_rig.install.objects.exists(key)  # no object without its row
    with s3_rig.install.engine.connect() as conn:
        held = conn.execute(select(schema.quarantined_batches.c.dataset)).scalars().all()
    assert held == ["screenshots"]
    # Through the sink, the same refusal counts as delivered (quarantined there).
    sink.send_screenshot(key, envelope, meta(sink, taken_at=ancient))
    assert s3_rig.count(schema.screenshots) == 0
