"""Commands whose reader goes away (`traq … | head -1`) end quietly, as any tool does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.traq.cli import ROOT


def traq_into_closed_pipe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`traq ARGS` writing into a real pipe whose reader has already gone (as `head` does)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE: deterministic, unlike racing head
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")} | env
    try:
        return subprocess.run(
            [sys.executable, "-m", "traq.main", *args],
            cwd=ROOT, env=full_env, stdout=write_end, stderr=subprocess.PIPE,
            text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [("init",), ("--help",), ("rights", "--help")])
def test_a_closed_pipe_ends_quietly(args: tuple[str, ...], tmp_path: Path) -> None:
    result = traq_into_closed_pipe(*args, env={"TRAQ_DATA_DIR": str(tmp_path / "data")})
    assert result.stderr == ""  # no "internal error (BrokenPipeError)", no traceback
    assert result.returncode in (0, 141)  # 141: as a shell reports an end by SIGPIPE


def test_piping_into_head_prints_the_first_line_only(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["TRAQ_DATA_DIR"] = str(tmp_path / "data")
    pipeline = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m traq.main --help | head -1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert pipeline.stdout.startswith("usage: traq")
    assert pipeline.stderr == ""
