"""`traq serve-ingest` as an operator runs it: TLS from the certificate and key given."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.collector.install import installation
from tests.fixtures.s3 import free_port
from tests.ingest.service import self_signed
from tests.traq.cli import ROOT, assert_one_line_error, traq


def get(url: str, context: ssl.SSLContext) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_ingest_speaks_tls_with_the_given_certificate(tmp_path: Path) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as install:
        tls = self_signed(tmp_path)
        port = free_port()
        args = ["--port", str(port), "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
        server = subprocess.Popen(
            [sys.executable, "-m", "traq.main", "serve-ingest", *args],
            cwd=ROOT,
            env=install.env | {"PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            trusted = ssl.create_default_context(cafile=str(tls.cert))
            url = f"https://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = get(f"{url}/v1/health", trusted)
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert server.poll() is None, server.communicate()
                    assert time.monotonic() < deadline, "serve-ingest did not answer"
                    time.sleep(0.2)
            assert (status, body) == (200, {"ok": True})
            status, body = get(f"{url}/v1/state", trusted)
            assert status == 401 and "bearer" in str(body["error"])
            try:  # a client that does not trust the certificate is turned away by TLS
                get(f"{url}/v1/health", ssl.create_default_context())
                raise AssertionError("an untrusted certificate was accepted")
            except urllib.error.URLError as exc:
                assert isinstance(exc.reason, ssl.SSLCertVerificationError)
        finally:
            server.send_signal(signal.SIGINT)
            out, _err = server.communicate(timeout=30)
        assert out.strip() == f"ingestion service on https://127.0.0.1:{port}"


def test_serve_ingest_refuses_clear_text_off_loopback_and_half_tls(tmp_path: Path) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as install:
        assert_one_line_error(traq("serve-ingest", "--host", "0.0.0.0", env=install.env), "TLS")
        result = traq("serve-ingest", "--tls-cert", str(tmp_path / "x.pem"), env=install.env)
        assert_one_line_error(result, "both --tls-cert and --tls-key")
        assert_one_line_error(traq("serve-ingest", "--port", "0", env=install.env), "port")
