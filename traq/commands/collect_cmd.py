"""`traq collect`: run the collector in the foreground until stopped or for S seconds."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from collector.errors import CollectorError
from traq.errors import CommandError

if TYPE_CHECKING:
    from collector.run import CollectorConfig


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
    config = _config(args)
    stop = threading.Event()
    try:
        with _stop_on_signals(stop):
            summary = run_collector(config, args.duration, stop=stop)
    except CollectorError as exc:
        raise CommandError(str(exc)) from exc
    print(summary.to_json() if args.json else summary.human(), flush=True)
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
