"""`traq --help` starts fast: building the parser imports no command's heavy modules (issue 14).

Each timing is the child's wall clock less that of `python -c pass` measured the same way in
the same test, so a loaded machine slows both and the difference stays the import work.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from storage.db.schema import REQUEST_KINDS
from tests.traq.cli import ROOT
from traq.commands import rights_cmd
from traq.main import COMMANDS

BUDGET_S = 0.5
HEAVY = ("sqlalchemy", "polars", "pandas", "numpy", "rich", "boto3", "great_expectations")
RUNS = 3  # the best of a few runs: one scheduling hiccup must not fail the test


def _best_wall_clock(*args: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    best, out = float("inf"), ""
    for _ in range(RUNS):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        best, out = min(best, time.perf_counter() - started), result.stdout
    return best, out


@pytest.mark.parametrize(
    ("argv", "listed"),
    [
        (["--help"], list(COMMANDS)),
        (["rights", "list", "--help"], ["--open", "--kind", "--as", "--json", *REQUEST_KINDS]),
    ],
)
def test_help_starts_within_half_a_second_of_bare_python(
    argv: list[str], listed: list[str]
) -> None:
    baseline, _ = _best_wall_clock("-c", "pass")
    elapsed, out = _best_wall_clock("-m", "traq.main", *argv)
    for name in listed:
        assert name in out, f"{name} missing from `traq {' '.join(argv)}`"
    assert elapsed - baseline < BUDGET_S, f"{elapsed:.2f} s against {baseline:.2f} s for python"


def test_rights_help_lists_every_action() -> None:
    _, out = _best_wall_clock("-m", "traq.main", "rights", "--help")
    for name, *_ in rights_cmd._actions():
        assert name in out


def test_building_the_parser_imports_nothing_heavy() -> None:
    code = (
        "import sys; from traq.main import build_parser; build_parser()\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))"
    )
    _, out = _best_wall_clock("-c", code)
    assert out.strip() == "[]"


def test_the_cli_spells_the_request_kinds_as_storage_does() -> None:
    """The rights command keeps its own copy (SQLAlchemy stays unloaded for --help)."""
    assert rights_cmd.REQUEST_KINDS == REQUEST_KINDS
