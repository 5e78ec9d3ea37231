"""`traq`: the one console script. Each sub-command lives in ``traq.commands``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

# Each package's errors.py -> the base of its tree. Every error in these trees is one a user
# can act on: printed as one line, exit status 1. A package's errors can only be raised once
# the package is imported, so they are looked up among the loaded modules (``failure``):
# `traq --help` pays for none of them.
ERROR_BASES = {
    "activity.errors": "ActivityError",
    "analytics.errors": "AnalyticsError",
    "collector.errors": "CollectorError",
    "data_contracts.errors": "ContractError",
    "ingest.errors": "IngestError",
    "services.errors": "ServicesError",
    "storage.errors": "StorageError",
    "traq.errors": "CommandError",
}

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
    "grants": "traq.commands.grants_cmd",
    "publish": "traq.commands.publish_cmd",
    "accounts": "traq.commands.accounts_cmd",
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
    try:
        try:
            return run_command(argv)
        finally:
            sys.stdout.flush()  # a reader gone away shows here, inside the handler below
    except BrokenPipeError:
        return quiet_broken_pipe()


def run_command(argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and run its command; a user's error becomes one line on stderr."""
    from storage.private import private_umask

    private_umask()  # before any command writes a file
    argv = sys.argv[1:] if argv is None else list(argv)
    only = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(only).parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        raise  # not the command's failure: `main` ends quietly
    except KeyboardInterrupt:
        print(f"traq {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("TRAQ_DEBUG") and not isinstance(exc, user_errors()):
            raise  # a bug: the traceback only when asked for
        status, line = failure(args.command, exc)
        print(line, file=sys.stderr)
        return status


def quiet_broken_pipe() -> int:
    """End quietly when the reader of stdout went away (`traq … | head -1`); status 141.

    The Python documentation's recipe (library/signal, "Note on SIGPIPE"): point stdout at
    devnull so that the interpreter's final flush at exit does not raise again. 141 is what
    a shell reports for a command killed by SIGPIPE, so a pipeline behaves as with any tool.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def user_errors() -> tuple[type[Exception], ...]:
    """The bases of the loaded packages' error trees, and ValueError (bad input)."""
    loaded = (sys.modules.get(module) for module in ERROR_BASES)
    bases = tuple(getattr(m, ERROR_BASES[m.__name__]) for m in loaded if m is not None)
    return (*bases, ValueError)


def failure(command: str, exc: Exception) -> tuple[int, str]:
    """The exit status and the one line `traq command` prints for ``exc``."""
    if isinstance(exc, user_errors()):
        return 1, f"traq {command}: error: {_first_line(exc)}"
    return 70, (
        f"traq {command}: internal error ({type(exc).__name__}); "
        "rerun with TRAQ_DEBUG=1 for details"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
