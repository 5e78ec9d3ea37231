"""Run the app under uvicorn: TLS when a certificate and key are given, loopback otherwise."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from activity.wire import is_loopback
from ingest.app import IngestConfig, create_app


def server_config(
    config: IngestConfig,
    host: str,
    port: int,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> uvicorn.Config:
    """A uvicorn config serving the ingestion app; ValueError for an unsafe or bad setup."""
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("give both --tls-cert and --tls-key, or neither")
    if tls_cert is None and not is_loopback(host):
        # Device tokens travel in every request: never in clear text off this machine.
        raise ValueError(f"serving on {host} needs TLS: give --tls-cert and --tls-key")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise ValueError(f"no such file: {path}")
    return uvicorn.Config(
        create_app(config),
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level="warning",
        access_log=False,  # URLs carry object keys (pseudonyms): keep them out of logs
        server_header=False,
    )
