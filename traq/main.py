"""`traq`: the one console script. Each sub-command lives in ``traq.commands``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from storage.errors import StorageError
from traq.commands import app_cmd, collect_cmd, demo_cmd, init_cmd, keys_cmd, rollups_cmd
from traq.errors import CommandError

COMMANDS = (init_cmd, demo_cmd, collect_cmd, app_cmd, rollups_cmd, keys_cmd)


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full command tree, with help for every command and option."""
    parser = OneLineParser(
        prog="traq", description="TraqNext: privacy-first activity tracking and analytics."
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=OneLineParser, help="the command to run"
    )
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``traq`` with ``argv``; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (CommandError, StorageError, ValueError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"traq {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"traq {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback only when asked for
        if os.environ.get("TRAQ_DEBUG"):
            raise
        print(
            f"traq {args.command}: internal error ({type(exc).__name__}); "
            "rerun with TRAQ_DEBUG=1 for details",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
