"""HTTP(S) calls of the collector to the ingestion service and to presigned URLs (stdlib).

Failures are translated at this boundary: no answer, a 5xx, 408 or 429 is ``SinkUnavailable``
(the spool holds and the uploader backs off); a refused token (or enrolment code) is
``DeviceRefused``, which stops capture; any other 4xx is ``ServiceRefused`` with the
service's one-line reason, a refusal for good that the uploader sets aside.

Every request with the device token carries the device's clock (``DEVICE_CLOCK_HEADER``),
stamped as it is sent: the service measures the clock's offset from it and judges the
device's times in its own (``ingest.clock``). Presigned PUTs to S3 carry no token, no clock.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from activity.wire import DEVICE_CLOCK_HEADER, is_loopback
from collector.errors import (
    CollectorConfigError,
    CollectorError,
    DeviceRefused,
    ServiceRefused,
    SinkUnavailable,
)


def check_service_url(url: str) -> str:
    """``url`` without a trailing '/', if it is https, or http on loopback (tests, proxies)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return url.rstrip("/")
    raise CollectorConfigError(
        "TRAQ_INGEST_URL must be https://host[:port] (plain http only on loopback)"
    )


class Transport:
    """Makes requests with a timeout and the TLS trust of ``ca_file`` (default: the system).

    ``clock`` is the device's clock (epoch seconds), sent with every token-bearing request.
    """

    def __init__(
        self,
        ca_file: Path | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        try:
            self._tls = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise CollectorConfigError(f"cannot read CA file {ca_file}") from exc

    def json(
        self, method: str, url: str, body: dict[str, Any] | None, token: str | None
    ) -> dict[str, Any]:
        """Send ``body`` as JSON, return the JSON answer; errors translated."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        raw = self.send(method, url, data, headers)
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            raise SinkUnavailable("the ingestion service answered something not JSON") from None
        return answer if isinstance(answer, dict) else {}

    def send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> bytes:
        """One request; the answer's body, or a translated error."""
        if "Authorization" in headers:  # to the service: say what time the device thinks it is
            headers = {**headers, DEVICE_CLOCK_HEADER: f"{self._clock():.3f}"}
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        where = urlsplit(url).netloc
        try:
            with urllib.request.urlopen(request, timeout=self._timeout, context=self._tls) as r:
                body: bytes = r.read()
                return body
        except urllib.error.HTTPError as exc:
            raise _refusal(exc, where, "Authorization" in headers) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise SinkUnavailable(f"cannot reach {where} ({type(exc).__name__})") from exc


def _refusal(exc: urllib.error.HTTPError, where: str, with_token: bool) -> CollectorError:
    reason = _reason(exc)
    # 408: the service stopped waiting for a slow body; the same request later is welcome.
    if exc.code in (408, 429) or exc.code >= 500:
        return SinkUnavailable(f"{where} answered {exc.code}: {reason}")
    if exc.code == 401 and with_token:
        return DeviceRefused(
            f"this device's token was refused by {where} ({reason}); "
            "enrol again with `traq collect --enrol CODE`",
            exc.code,
        )
    if exc.code == 401:
        return DeviceRefused(
            f"{where} refused the enrolment ({reason}); ask the admin for a new code", exc.code
        )
    return ServiceRefused(f"{where} refused the request ({exc.code}): {reason}", exc.code)


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        answer = json.loads(exc.read() or b"{}")
        text = str(answer.get("error", "")) if isinstance(answer, dict) else ""
    except (ValueError, OSError):
        text = ""  # S3 answers XML: its status code says enough
    return (text.strip().splitlines() or [exc.reason or "refused"])[0]
