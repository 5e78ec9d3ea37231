"""The ingestion service for real: uvicorn on a loopback port in a thread, TLS if asked."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ingest.app import IngestConfig
from ingest.server import server_config
from storage.db.engine import open_engine
from storage.policies import set_policy
from tests.fixtures.s3 import free_port


@dataclass(frozen=True)
class Tls:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path


def self_signed(folder: Path) -> Tls:
    """Write a certificate valid for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "traq test ingest")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tls = Tls(folder / "ingest.crt", folder / "ingest.key")
    tls.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tls


# Most ingest tests replay rows at fixed 2026 times (tests/ingest/rows.py): the service runs
# with a window wide enough for them unless a test names its own (tests/ingest/test_bounds.py).
WIDE_WINDOW = {"ingest_window_back_days": 365 * 60, "ingest_window_ahead_minutes": 5}


def set_window(config: IngestConfig, window: dict[str, int]) -> None:
    """Store the ingest window's policies in the service's database (before it starts)."""
    engine = open_engine(config.settings.database_url)
    try:
        with engine.begin() as conn:
            for name, value in window.items():
                set_policy(conn, name, value, "tests", dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()


@contextmanager
def running(
    config: IngestConfig, tls: Tls | None = None, window: dict[str, int] | None = None
) -> Iterator[str]:
    """Serve ``config`` until the block ends; yield the base URL."""
    set_window(config, WIDE_WINDOW if window is None else window)
    port = free_port()
    cert, key = (tls.cert, tls.key) if tls else (None, None)
    server = uvicorn.Server(server_config(config, "127.0.0.1", port, cert, key))
    thread = threading.Thread(target=server.run, name="ingest", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "ingest did not start"
        time.sleep(0.05)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers and the parsed JSON body (or raw text)."""

    status: int
    headers: dict[str, str]
    body: Any


def call(
    method: str,
    url: str,
    body: bytes | dict[str, Any] | list[Any] | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """One raw request (no client-side checks), for attacks and malformed input."""
    data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return _answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return _answer(exc.code, dict(exc.headers), exc.read())


def _answer(status: int, headers: dict[str, str], raw: bytes) -> Answer:
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode(errors="replace")
    return Answer(status, {k.lower(): v for k, v in headers.items()}, body)


def assert_refused(answer: Answer, status: int, *fragments: str) -> None:
    """A one-line JSON error with ``status`` naming ``fragments``."""
    assert answer.status == status, answer
    assert isinstance(answer.body, dict) and set(answer.body) == {"error"}, answer.body
    message = answer.body["error"]
    assert message and "\n" not in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, message
