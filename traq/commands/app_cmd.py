"""`traq app`: start the Streamlit workbench."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

ENTRY = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def register(sub: Any) -> None:
    """Add the `app` command."""
    parser = sub.add_parser("app", help="start the Streamlit workbench")
    parser.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    parser.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check the installation, then hand the process over to Streamlit."""
    from storage.facade import open_storage

    open_storage().close()  # a clear error now beats a broken page later
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRY),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    os.execv(sys.executable, command)
