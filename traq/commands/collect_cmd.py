"""`traq collect`: run the collector in the foreground until stopped or for S seconds."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from collector.errors import CollectorError
from traq.errors import CommandError

if TYPE_CHECKING:
    from collector.run import CollectorConfig
    from collector.sinks.https import HttpsSink


def register(sub: Any) -> None:
    """Add the `collect` command."""
    parser = sub.add_parser(
        "collect",
        help="run the collector in the foreground until stopped (Ctrl-C) or for S seconds",
        description="Capture activity counts, application spans and sealed screenshots "
        "into the local spool ($TRAQ_SPOOL_DIR, default <data dir>/spool) and upload them. "
        "Create the file 'paused' in the spool folder to pause capture.",
    )
    for flag, help_text in (
        ("--duration", "stop after S seconds (default: run until stopped)"),
        ("--screenshot-interval", "a screenshot about every S seconds (default: the policy)"),
    ):
        parser.add_argument(flag, type=_seconds, metavar="S", help=help_text)
    parser.add_argument(
        "--subject",
        metavar="PSEUDONYM",
        help="whose device this is, on the first run (default: the installation's only person)",
    )
    parser.add_argument(
        "--enrol",
        metavar="CODE",
        help="enrol this device at $TRAQ_INGEST_URL with a one-time code from the admin "
        "(`traq devices enrol-code`), then collect",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="on an installation with nobody in it, agree to track yourself without asking",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the final summary as one JSON object"
    )
    for flag, default, help_text in (
        ("--flush-interval", 5.0, "write the spool every S seconds, at most 5 (default 5)"),
        ("--upload-interval", 10.0, "upload the spool every S seconds (default 10)"),
        ("--check-interval", 60.0, "re-read consent and policy every S seconds (default 60)"),
    ):
        parser.add_argument(flag, type=_seconds, default=default, metavar="S", help=help_text)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Collect, then print the summary (one JSON object with --json)."""
    # Why here: every `traq` command imports this module; only `collect` needs the collector.
    from collector.run import run_collector

    _log_to_stderr()
    if args.subject is None and args.enrol is None and not os.environ.get("TRAQ_INGEST_URL"):
        from traq.commands.first_collect import first_collect

        args.subject = first_collect(args.yes, out=sys.stderr if args.json else sys.stdout)
    config = _config(args)
    stop = threading.Event()
    try:
        # A refused token ends the run as Ctrl-C would: flush, summary, spool kept.
        sink = _remote_sink(args.enrol, config.spool_dir, lambda _refusal: stop.set())
        try:
            with _stop_on_signals(stop):
                summary = run_collector(config, args.duration, stop=stop, sink=sink)
        finally:
            if sink is not None:
                sink.close()
    except CollectorError as exc:
        raise CommandError(str(exc)) from exc
    print(summary.to_json() if args.json else summary.human(), flush=True)
    if sink is not None and sink.refused is not None:
        raise CommandError(f"{sink.refused}; capture stopped, the spool is kept")
    return 0


def _config(args: argparse.Namespace) -> CollectorConfig:
    from collector.run import load_config

    try:
        return load_config(
            subject=args.subject,
            screenshot_interval=args.screenshot_interval,
            flush_interval=args.flush_interval,
            upload_interval=args.upload_interval,
            check_interval=args.check_interval,
        )
    except CollectorError as exc:
        raise CommandError(str(exc)) from exc


def _remote_sink(
    code: str | None, spool_dir: Path, on_refused: Callable[[Exception], None]
) -> HttpsSink | None:
    """The HTTPS sink when TRAQ_INGEST_URL is set (enrolling first with ``code``), else None.

    ``on_refused`` is called (once, from an upload or policy thread) if the service refuses
    the device's token.
    """
    from collector.sinks.device_token import save_token
    from collector.sinks.https import enrol_device, open_https_sink, token_path, transport_from
    from collector.spool.device import load_identity

    env = os.environ
    if code is not None:
        url = env.get("TRAQ_INGEST_URL")
        if not url:
            raise CommandError("--enrol needs TRAQ_INGEST_URL, the ingestion service's URL")
        stored = load_identity(spool_dir)
        if stored is not None:
            # Its pending rows carry that device's id, which a new token may not write.
            raise CommandError(
                f"this spool already belongs to device {stored.device_id}; "
                "enrol with a fresh TRAQ_SPOOL_DIR"
            )
        token = enrol_device(url, code, transport_from(env))
        save_token(token_path(env, spool_dir), token)
        print(f"traq collect: enrolled as device {token.device_id}", file=sys.stderr)
    return open_https_sink(env, spool_dir, on_refused)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM end the run cleanly (flush, upload, summary); a second one aborts.

    An abort is safe too: the spool is written in transactions and atomic renames.
    """

    def handler(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _log_to_stderr() -> None:
    logger = logging.getLogger("collector")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_OneLine())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class _OneLine(logging.Formatter):
    """``traq collect: warning: message``, one line, no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().strip().splitlines() or [""]
        return f"traq collect: {record.levelname.lower()}: {message[0]}"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
