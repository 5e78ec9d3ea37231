"""Screenshot uploads: presign a PUT under a key the service derives, then commit the row.

The service derives every screenshot key itself, from the token's person and device and the
capture time (``screenshot_key``): a device names only ``taken_at``, so it cannot choose a
key under its prefix (``…/screenshots/2026/13/45/x``) that the retention purge could not
date. The only key presign issues for a screenshot is that derived one, and commit and the
service's own upload route accept no other; a key already holding an object is never issued
again (no overwrite, no squatting), except to the same bytes, which a retry may re-announce.

With S3 the device PUTs the sealed envelope straight to the bucket through a presigned URL
bound to the key, size, SHA-256 and ``If-None-Match: *`` (S3 itself refuses a second write).
A folder object store cannot presign, so there the device PUTs to the service, which checks
the same things and writes the object itself. Either way ``commit`` records the row only
after it found the object with the announced size and a readable envelope header.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine

from ingest.enrolment import DeviceAuth
from ingest.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    Unprocessable,
    database,
)
from ingest.payloads import EPOCH_MAX, require
from ingest.window import Window
from storage.consent import EXACT, Skew, check_screenshot
from storage.crypto.envelope import MAX_HEADER_SIZE, read_header
from storage.errors import CaptureRefused, InvalidObjectKey, InvalidToken, ObjectNotFound
from storage.objects.base import ObjectStore
from storage.objects.keys import (
    screenshot_key,
    screenshot_taken_at,
    subject_prefix,
    validate_key,
)
from storage.objects.presign import CHECKSUM_HEADER, presign_put, read_head
from storage.objects.s3 import S3ObjectStore
from storage.writes import insert_screenshot, screenshot_passes

MAX_SCREENSHOT = 32 * 1024 * 1024
IF_NONE_MATCH = "If-None-Match"
# Uploads through the service (folder store): check-then-write of one key, one at a time.
_WRITING = threading.Lock()


@dataclass(frozen=True)
class Upload:
    """An announced object: key under the person's prefix, size and SHA-256."""

    key: str
    size: int
    sha256: bytes


def announced(payload: dict[str, Any], auth: DeviceAuth, window: Window) -> Upload:
    """The upload a presign request announces, under the key the service derives for it.

    The body names ``taken_at``, ``size`` and ``sha256``; a ``key`` (older collectors send
    one) must be the derived key itself. ``taken_at`` must lie within ``window``.
    """
    claimed: str | None = None
    if payload.get("key") is not None:
        claimed = own_key(require(payload, "key", str), auth)
    taken_at = require(payload, "taken_at", int, optional=claimed is not None)
    if taken_at is None and claimed is not None:  # an older collector: its key's time
        taken_at = screenshot_taken_at(claimed)
        if taken_at is None:
            raise Forbidden("screenshot keys are derived by the service; send 'taken_at'")
    key = derived_key(auth, taken_at, window)
    if claimed is not None and claimed != key:
        raise Forbidden("screenshot keys are derived by the service; this is not that key")
    size = require(payload, "size", int)
    if not 0 < size <= MAX_SCREENSHOT:
        raise BadRequest(f"field 'size' must be 1-{MAX_SCREENSHOT} bytes")
    return Upload(key, size, _sha256(require(payload, "sha256", str)))


def derived_key(auth: DeviceAuth, taken_at: int, window: Window) -> str:
    """The one key a screenshot of this device at ``taken_at`` may have; 400 if out of window."""
    window.check(taken_at, "field 'taken_at'")
    try:
        return screenshot_key(auth.pseudonym, taken_at, auth.device_id)
    except InvalidObjectKey as exc:
        raise BadRequest(str(exc)) from None


def issued_key(key: str, auth: DeviceAuth, window: Window) -> str:
    """``key`` if presign would issue it to this device now; else 400 or 403."""
    taken_at = screenshot_taken_at(own_key(key, auth))
    if taken_at is None or derived_key(auth, taken_at, window) != key:
        raise Forbidden("screenshot keys are derived by the service; this is not one it issued")
    return key


def own_key(key: str, auth: DeviceAuth) -> str:
    """``key`` if it is a valid key under the person's screenshot prefix; else 400 or 403."""
    try:
        validate_key(key)
    except InvalidObjectKey as exc:
        raise BadRequest(str(exc)) from None
    if not key.startswith(f"{subject_prefix(auth.pseudonym)}screenshots/"):
        raise Forbidden("this device may upload only under its own person's prefix")
    return key


def refuse_after_stop(engine: Engine, upload: Upload, auth: DeviceAuth, skew: Skew = EXACT) -> None:
    """410 Gone, before any byte is uploaded, for a screenshot taken after capture stopped.

    ``taken_at`` is judged with the device clock's ``skew`` (``ingest.clock``).
    """
    taken_at = screenshot_taken_at(upload.key)
    if taken_at is None:
        return  # not a screenshot key: commit refuses it
    try:
        with database("check the person's consent"), engine.connect() as conn:
            check_screenshot(conn, auth.person_id, taken_at, skew)
    except CaptureRefused as exc:
        raise Gone(str(exc)) from None


def presign(store: ObjectStore, upload: Upload, expires: int) -> dict[str, Any]:
    """Where and how to PUT the object: a presigned S3 URL, or this service for a folder.

    ``{"uploaded": true}`` instead when the same bytes are already there (a retry after a
    lost answer: commit next); Conflict when other bytes are.
    """
    if _already_there(store, upload.key, upload.sha256):
        return {"uploaded": True}
    checksum = base64.b64encode(upload.sha256).decode("ascii")
    if isinstance(store, S3ObjectStore):
        url = presign_put(store, upload.key, upload.size, upload.sha256, expires)
        headers = {CHECKSUM_HEADER: checksum, IF_NONE_MATCH: "*"}
        return {"url": url, "method": "PUT", "headers": headers}
    return {
        "url": f"/v1/screenshots/{quote(upload.key)}",
        "method": "PUT",
        "headers": {CHECKSUM_HEADER: checksum},
        "service": True,  # send the device token with it
    }


def store_through_service(store: ObjectStore, key: str, body: bytes, checksum: str) -> None:
    """Write an upload that came through the service, after checking its SHA-256.

    A replay of the same bytes writes nothing; other bytes under a taken key are a Conflict.
    """
    if isinstance(store, S3ObjectStore):
        raise NotFound("uploads go to the presigned S3 URL, not to this service")
    digest = hashlib.sha256(body).digest()
    if digest != _sha256(checksum):
        raise BadRequest("body does not match its x-amz-checksum-sha256 header")
    with _WRITING:  # two uploads of one key racing: the second sees the first's object
        if not _already_there(store, key, digest):
            store.put(key, body)


def _already_there(store: ObjectStore, key: str, sha256: bytes) -> bool:
    """True if ``key`` holds exactly these bytes; False if empty; Conflict if other bytes."""
    try:
        stored = store.get(key)
    except ObjectNotFound:
        return False
    if hashlib.sha256(stored).digest() != sha256:
        raise Conflict("an object already exists under this screenshot's key; never overwritten")
    return True


def commit(
    engine: Engine,
    store: ObjectStore,
    payload: dict[str, Any],
    auth: DeviceAuth,
    skew: Skew = EXACT,
) -> None:
    """Record the screenshot row once its object is there with the announced size.

    A screenshot that may have been taken after a stop (judged with ``skew``) is deleted
    and answered 410 Gone.
    """
    taken_at = require(payload, "taken_at", int)
    if not 0 <= taken_at <= EPOCH_MAX:  # beyond it the key's date (year 9999) cannot be built
        raise BadRequest("field 'taken_at' is out of range")
    width, height = require(payload, "width", int), require(payload, "height", int)
    size, blurred = require(payload, "size", int), require(payload, "blurred", bool)
    key = own_key(require(payload, "key", str), auth)
    try:
        expected = screenshot_key(auth.pseudonym, taken_at, auth.device_id)
    except InvalidObjectKey as exc:
        raise BadRequest(str(exc)) from None
    if key != expected:
        raise Forbidden("the key does not belong to this device's screenshot at that time")
    if not (0 < width <= 65535 and 0 < height <= 65535):
        raise BadRequest("width and height must be 1-65535 pixels")
    try:
        stored_size, head = read_head(store, key, MAX_HEADER_SIZE)
        header = read_header(head)
    except ObjectNotFound:
        raise BadRequest("no object under that key yet; upload it first") from None
    except InvalidToken:
        raise BadRequest("the object is not a sealed envelope") from None
    if stored_size != size:
        raise BadRequest("the stored object's size differs from the announced size")
    if header.object_id != key:  # the device seals each envelope to its own object key
        raise BadRequest("the object's envelope was sealed for another key")
    row = (
        auth.person_id,
        auth.device_id,
        taken_at,
        key,
        header.key_id,
        width,
        height,
        size,
        blurred,
    )
    try:
        with database("record the screenshot"), engine.begin() as conn:
            passed = screenshot_passes(conn, row, "ingest", skew)
            if passed:
                insert_screenshot(conn, row, skew)
    except CaptureRefused as exc:
        store.delete(key)  # uploaded before the refusal: taken after the right, never kept
        raise Gone(str(exc)) from None
    if not passed:
        store.delete(key)  # no row will ever point at it
        raise Unprocessable("the screenshot's row failed its data contract; quarantined")


def _sha256(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise BadRequest("sha256 must be the base64 of a 32-byte SHA-256 digest")
    return raw
