"""`traq`: the one console script. Each sub-command lives in ``traq.commands``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from storage.errors import StorageError
from traq.errors import CommandError

# Command name -> module; a command's module (and its heavy imports: numpy for the demo,
# the pipeline for the collector) is imported only when that command runs or for --help.
COMMANDS = {
    "init": "traq.commands.init_cmd",
    "demo": "traq.commands.demo_cmd",
    "collect": "traq.commands.collect_cmd",
    "app": "traq.commands.app_cmd",
    "rollups": "traq.commands.rollups_cmd",
    "keys": "traq.commands.keys_cmd",
    "rights": "traq.commands.rights_cmd",
    "audit": "traq.commands.audit_cmd",
    "contracts": "traq.commands.contracts_cmd",
    "retention": "traq.commands.retention_cmd",
    "doctor": "traq.commands.doctor_cmd",
    "import": "traq.commands.import_cmd",
    "export": "traq.commands.export_cmd",
    "serve-ingest": "traq.commands.serve_ingest_cmd",
    "devices": "traq.commands.devices_cmd",
    "spool": "traq.commands.spool_cmd",
    "publish": "traq.commands.publish_cmd",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command tree (every command, or ``only`` that one), with help for each option."""
    parser = OneLineParser(
        prog="traq", description="TraqNext: privacy-first activity tracking and analytics."
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=OneLineParser, help="the command to run"
    )
    for name, module in COMMANDS.items():
        if only in (None, name):
            importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``traq`` with ``argv``; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    only = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(only).parse_args(argv)
    try:
        return int(args.run(args))
    except (CommandError, StorageError, ValueError) as exc:
        print(f"traq {args.command}: error: {_first_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"traq {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if _is_analytics_error(exc):
            print(f"traq {args.command}: error: {_first_line(exc)}", file=sys.stderr)
            return 1
        if os.environ.get("TRAQ_DEBUG"):
            raise
        print(
            f"traq {args.command}: internal error ({type(exc).__name__}); "
            "rerun with TRAQ_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 70


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_analytics_error(exc: BaseException) -> bool:
    # Importing analytics costs seconds (polars): an AnalyticsError can only exist if the
    # command already imported it, so look it up instead of importing it here.
    errors = sys.modules.get("analytics.errors")
    return errors is not None and isinstance(exc, errors.AnalyticsError)


if __name__ == "__main__":
    sys.exit(main())
