"""`traq serve-ingest`: the company deployment's ingestion service (ASGI under uvicorn)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from traq.errors import CommandError


def register(sub: Any) -> None:
    """Add the `serve-ingest` command."""
    parser = sub.add_parser(
        "serve-ingest",
        help="serve the HTTPS ingestion service that enrolled collectors send to",
        description="Accept batches and screenshots from enrolled devices (see `traq devices`) "
        "and write them to this installation's database and object store. Off loopback, TLS "
        "is required.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="port to bind (default 8443)")
    parser.add_argument("--tls-cert", type=Path, metavar="FILE", help="PEM certificate chain")
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="PEM private key")
    parser.add_argument(
        "--rate", type=float, default=20.0, help="requests per second per device (default 20)"
    )
    parser.add_argument(
        "--burst", type=int, default=60, help="burst of requests per device (default 60)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    import uvicorn

    from ingest.app import IngestConfig
    from ingest.server import server_config
    from services.retention.schedule import start_schedule
    from storage.config import load_settings
    from storage.facade import open_storage

    if not 0 < args.port < 65536:
        raise CommandError(f"port must be 1-65535, got {args.port}")
    if args.rate <= 0 or args.burst < 1:
        raise CommandError("--rate must be positive and --burst at least 1")
    config = IngestConfig(load_settings(), rate=args.rate, burst=args.burst)
    server = uvicorn.Server(
        server_config(config, args.host, args.port, args.tls_cert, args.tls_key)
    )
    scheme = "https" if args.tls_cert else "http"
    storage = open_storage()
    purges = start_schedule(lambda: storage)  # the daily retention purge runs here too
    print(f"ingestion service on {scheme}://{args.host}:{args.port}", flush=True)
    try:
        server.run()
    finally:
        if purges is not None:
            purges.stop()
        storage.close()
    return 0
