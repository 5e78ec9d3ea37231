"""Commands whose reader goes away (`traq … | head -1`) end quietly, as any tool does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.traq.cli import ROOT, traq


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


def test_rights_list_into_a_reader_that_stopped_ends_quietly(tmp_path: Path) -> None:
    env = {
        "TRAQ_DATA_DIR": str(tmp_path / "data"),
        "TRAQ_MASTER_KEY_FILE": str(tmp_path / "master.key"),
    }
    assert traq("init", env=env).returncode == 0
    demo = traq("demo", "--employees", "6", "--days", "1", "--seed", "2", env=env)
    assert demo.returncode == 0, demo.stderr
    filed = traq(
        "rights", "file", "access", "--as", "ilse.marchetti", "--person", "1",
        "--identity-verification", "in person", env=env,
    )  # fmt: skip
    assert filed.returncode == 0, filed.stderr
    listed = traq("rights", "list", "--as", "ilse.marchetti", env=env)
    assert listed.returncode == 0, listed.stderr  # the demo's DPO, linked to this OS account
    assert listed.stdout.strip()  # there is something to write
    result = traq_into_closed_pipe("rights", "list", "--as", "ilse.marchetti", env=env)
    assert result.stderr == ""  # was: "traq rights: internal error (BrokenPipeError)"
    assert result.returncode == 141
