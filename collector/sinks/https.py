"""The HTTPS sink: the collector's uploads go to the company's ingestion service.

Same protocol as the embedded sink, but the device holds only a bearer token (from
``traq collect --enrol CODE``), never a database or bucket credential. Minute rows and spans
are POSTed as JSON batches (the service upserts them by the same keys, so a replay changes
nothing); a screenshot is presigned, PUT (to S3 directly, or to the service for a folder
store) and committed. A batch the service quarantined (422) counts as delivered, as in the
embedded sink; so does a screenshot the service refused as captured after the person withdrew
consent or objected (410 Gone: it will never be stored, so the device deletes it rather than
keep or resend it). Rows from after such a right are dropped by the service, which answers
the batch as accepted. Retries are the uploader's: every failure here raises.

Spans are sent only in the form the service accepts (application and site names clipped as
the embedded sink clips them, an oversized sealed title dropped). A refused token
(``DeviceRefused``) is remembered: every later call fails at once without a request, and
``on_refused`` is told (``traq collect`` stops capture with it).
"""

from __future__ import annotations

import base64
import hashlib
import platform as platform_module
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin

from activity.records import (
    MAX_SEALED_TITLE_BYTES,
    PendingMinute,
    PendingSpan,
    ScreenshotMeta,
    clip_app,
    clip_site,
)
from collector.errors import (
    CollectorConfigError,
    DeviceRefused,
    ServiceRefused,
    SinkUnavailable,
    SubjectUnknown,
)
from collector.sinks.device_token import TOKEN_FILE, DeviceToken, load_token
from collector.sinks.transport import Transport, check_service_url
from collector.spool.device import load_identity
from storage.vault import SubjectPublicKey
from storage.writes import SubjectState

QUARANTINED = 422
GONE = 410  # captured after a withdrawal or objection took effect: never stored, delete it
DELIVERED = frozenset({QUARANTINED, GONE})  # refusals that end the item's journey
OnRefused = Callable[[DeviceRefused], None]
_T = TypeVar("_T")


class HttpsSink:
    """Central storage behind the ingestion service, for one enrolled device."""

    def __init__(
        self,
        token: DeviceToken,
        transport: Transport | None = None,
        on_refused: OnRefused | None = None,
    ) -> None:
        self._token = token
        self._base = check_service_url(token.url)
        self._http = transport or Transport()
        self._on_refused = on_refused
        self._refused: DeviceRefused | None = None

    @property
    def enrolled(self) -> DeviceToken:
        """The device this sink speaks for."""
        return self._token

    @property
    def refused(self) -> DeviceRefused | None:
        """The refusal of this device's token, once the service refused it."""
        return self._refused

    def close(self) -> None:
        """Nothing to release: every request opens and closes its own connection."""

    def subject_state(self, pseudonym: str | None) -> SubjectState:
        """The enrolled person's consent, key and policies (also notes the device alive)."""
        if pseudonym is not None and pseudonym != self._token.pseudonym:
            raise SubjectUnknown(f"this device is enrolled for {self._token.pseudonym}, not that")
        answer = self._call("GET", "/v1/state", None)
        try:
            return state_from_json(answer)
        except (KeyError, TypeError, ValueError) as exc:
            raise SinkUnavailable("the ingestion service sent a malformed state") from exc

    def register_device(self, person_id: int, name: str, platform: str) -> int:
        """The device id enrolment issued (the service registered the device then)."""
        if person_id != self._token.person_id:
            raise SubjectUnknown("this device is enrolled for another person")
        return self._token.device_id

    def device_seen(self, device_id: int) -> None:
        """Nothing to do: every state read notes the device as seen."""

    def send_minutes(self, rows: Sequence[PendingMinute]) -> int:
        """POST minute rows; return how many the service confirmed (or quarantined)."""
        return self._batch("minutes", [_plain(row) for row in rows])

    def send_spans(self, rows: Sequence[PendingSpan]) -> int:
        """POST spans with their sealed titles in base64."""
        return self._batch("spans", [_plain(row) for row in rows])

    def send_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> None:
        """Presign, PUT the sealed envelope, then commit its row (delivered if refused for good)."""
        try:
            self._upload_screenshot(key, envelope, meta)
        except ServiceRefused as exc:
            if exc.status not in DELIVERED:
                raise  # 422: quarantined there; 410: never to be stored

    def _upload_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> None:
        digest = hashlib.sha256(envelope).digest()
        announce = {
            "key": key,  # the service derives it from taken_at too, and refuses any other
            "taken_at": meta.taken_at,
            "size": len(envelope),
            "sha256": base64.b64encode(digest).decode("ascii"),
        }
        target = self._call("POST", "/v1/screenshots/presign", announce)
        if not target.get("uploaded"):  # uploaded: an earlier attempt's PUT got there
            self._put(target, envelope)
        commit = {
            "key": key,
            "size": len(envelope),
            "taken_at": meta.taken_at,
            "width": meta.width,
            "height": meta.height,
            "blurred": meta.blurred,
        }
        self._call("POST", "/v1/screenshots/commit", commit)

    def _put(self, target: dict[str, Any], envelope: bytes) -> None:
        """PUT the envelope where presign said: S3 directly, or the service (with the token)."""
        headers = {str(k): str(v) for k, v in dict(target.get("headers", {})).items()}
        headers["Content-Type"] = "application/octet-stream"
        url = urljoin(f"{self._base}/", str(target["url"]))
        if target.get("service"):
            headers["Authorization"] = f"Bearer {self._token.token}"
            self._guarded(lambda: self._http.send("PUT", url, envelope, headers))
        else:
            _put_presigned(self._http, url, envelope, headers)

    def _batch(self, name: str, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        try:
            self._call("POST", "/v1/batches", {name: rows})
        except ServiceRefused as exc:
            if exc.status not in DELIVERED:
                raise
        return len(rows)

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self._base}{path}"
        return self._guarded(lambda: self._http.json(method, url, body, self._token.token))

    def _guarded(self, request: Callable[[], _T]) -> _T:
        """Run ``request`` unless the token was refused; remember a refusal, tell the listener."""
        if self._refused is not None:  # a revoked token stays revoked: no request
            raise DeviceRefused(str(self._refused), self._refused.status)
        try:
            return request()
        except DeviceRefused as exc:
            self._refused = exc
            if self._on_refused is not None:
                self._on_refused(exc)
            raise


def enrol_device(
    url: str, code: str, transport: Transport | None = None, name: str | None = None
) -> DeviceToken:
    """Spend the one-time ``code`` at the service ``url``; the token to save."""
    base = check_service_url(url)
    body = {"code": code.strip(), "device_name": name or _device_name(), "platform": _platform()}
    answer = (transport or Transport()).json("POST", f"{base}/v1/enrol", body, None)
    try:
        return DeviceToken(
            url=base,
            token=str(answer["token"]),
            device_id=int(answer["device_id"]),
            person_id=int(answer["person_id"]),
            pseudonym=str(answer["pseudonym"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SinkUnavailable("the ingestion service sent a malformed enrolment") from exc


def token_path(env: Mapping[str, str], spool_dir: Path) -> Path:
    """Where the device token lives: ``TRAQ_DEVICE_TOKEN_FILE`` or the spool folder."""
    return Path(env.get("TRAQ_DEVICE_TOKEN_FILE") or spool_dir / TOKEN_FILE).expanduser()


def open_https_sink(
    env: Mapping[str, str], spool_dir: Path, on_refused: OnRefused | None = None
) -> HttpsSink | None:
    """The HTTPS sink when ``TRAQ_INGEST_URL`` is set (None: use the embedded sink).

    Raises ``CollectorConfigError`` when the spool belongs to another device than the token's.
    """
    url = env.get("TRAQ_INGEST_URL")
    if not url:
        return None
    token = load_token(token_path(env, spool_dir))
    check_spool_owner(spool_dir, token)
    if check_service_url(token.url) != check_service_url(url):
        token = DeviceToken(**{**asdict(token), "url": url})  # the service moved
    return HttpsSink(token, transport_from(env), on_refused)


def check_spool_owner(spool_dir: Path, token: DeviceToken) -> None:
    """Refuse a spool written for another device (embedded mode, an earlier enrolment).

    Its rows carry that device's id, which the service refuses (403) under this token.
    """
    stored = load_identity(spool_dir)  # SpoolCorrupt (one clear line) if unreadable
    if stored is None:
        return
    if (stored.device_id, stored.person_id) != (token.device_id, token.person_id):
        raise CollectorConfigError(
            f"the spool {spool_dir} belongs to device {stored.device_id}, but the device token "
            f"is for device {token.device_id}; use a fresh TRAQ_SPOOL_DIR for the enrolled device"
        )


def transport_from(env: Mapping[str, str]) -> Transport:
    """A transport trusting ``TRAQ_INGEST_CA_FILE`` (a private CA) if set."""
    ca_file = env.get("TRAQ_INGEST_CA_FILE")
    return Transport(Path(ca_file) if ca_file else None)


def state_from_json(answer: Mapping[str, Any]) -> SubjectState:
    """The SubjectState in a service answer (the public key comes in hex)."""
    return SubjectState(
        person_id=int(answer["person_id"]),
        pseudonym=str(answer["pseudonym"]),
        consent=str(answer["consent"]),
        objected=bool(answer["objected"]),
        restricted=bool(answer["restricted"]),
        timezone=str(answer["timezone"]),
        public_key=SubjectPublicKey(str(answer["key_id"]), bytes.fromhex(answer["public_key"])),
        policies=dict(answer.get("policies", {})),
        paused=bool(answer.get("paused", False)),  # absent from older services: not paused
    )


def _plain(row: PendingMinute | PendingSpan) -> dict[str, Any]:
    values = {k: v for k, v in asdict(row).items() if k != "rev"}
    if isinstance(row, PendingSpan):
        values.update(app=clip_app(row.app), site=clip_site(row.site))
    title = values.get("title_ct")
    if isinstance(title, bytes):
        # Titles are capped before sealing; a bigger one (spooled by an older collector) cannot
        # be cut without its key, and dropping it beats having its whole batch refused.
        fits = len(title) <= MAX_SEALED_TITLE_BYTES
        values["title_ct"] = base64.b64encode(title).decode("ascii") if fits else None
    return values


def _put_presigned(http: Transport, url: str, envelope: bytes, headers: dict[str, str]) -> None:
    """PUT to a presigned S3 URL; a refusal there (expired, clock skew) is retried later."""
    try:
        http.send("PUT", url, envelope, headers)
    except ServiceRefused as exc:
        # The next attempt presigns a fresh URL: not a refusal of the screenshot itself.
        raise SinkUnavailable(f"the object store refused the upload ({exc.status})") from exc


def _device_name() -> str:
    # Why not the host name: it often carries the owner's name ("alice-laptop").
    return f"{sys.platform}-{secrets.token_hex(3)}"


def _platform() -> str:
    return platform_module.system().lower() or "unknown"
