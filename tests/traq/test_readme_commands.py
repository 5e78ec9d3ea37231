"""README's command table names every command and sub-command `traq` has, and nothing else."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from traq.main import COMMANDS, build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_rows() -> list[str]:
    """The `traq …` cells of the README's command table, with escaped pipes restored."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"^\| `(traq [^`]*)`", section, flags=re.MULTILINE)
    return [cell.replace("\\|", "|") for cell in cells]


def _documented() -> dict[str, set[str]]:
    """Command -> the sub-commands the table names for it (empty for a plain command)."""
    documented: dict[str, set[str]] = {}
    for row in _table_rows():
        words = row.split()
        actions = documented.setdefault(words[1], set())
        if len(words) > 2 and not words[2].startswith(("-", "[")) and words[2].islower():
            actions.update(words[2].split("|"))
    return documented


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _registered() -> dict[str, argparse.ArgumentParser]:
    return _subparsers(build_parser())


def test_every_command_is_documented_and_every_documented_command_exists() -> None:
    assert set(_documented()) == set(COMMANDS) == set(_registered())


def test_every_sub_command_is_documented_and_exists() -> None:
    documented = _documented()
    for name, parser in _registered().items():
        actions = set(_subparsers(parser))
        # A positional argument (a FILE) is not a sub-command: only compare real sub-parsers.
        if actions:
            assert documented[name] == actions, name


def test_every_documented_option_exists() -> None:
    registered = _registered()
    for row in _table_rows():
        words = row.split()
        parser = registered[words[1]]
        options = set(re.findall(r"--[a-z][a-z-]*", row))
        known = {opt for action in parser._actions for opt in action.option_strings}
        for sub in _subparsers(parser).values():
            known |= {opt for action in sub._actions for opt in action.option_strings}
        assert options <= known, (row, options - known)
