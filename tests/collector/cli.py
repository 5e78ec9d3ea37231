"""Run `traq collect` in a child process, as a user (or a crash test) would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

from tests.traq.cli import ROOT


def command(*args: str) -> list[str]:
    """The argv of `traq collect ARGS`."""
    return [sys.executable, "-m", "traq.main", "collect", *args]


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """A clean copy of the environment (no TRAQ_*) with ``env`` added."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    full.update(env)
    return full


def start(*args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """Start `traq collect ARGS` without waiting."""
    return subprocess.Popen(
        command(*args),
        cwd=ROOT,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    *args: str, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `traq collect ARGS` to the end."""
    return subprocess.run(
        command(*args),
        cwd=ROOT,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def summary(output: str) -> dict[str, Any]:
    """The one JSON object `traq collect --json` printed (it must be the only stdout)."""
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    parsed: dict[str, Any] = json.loads(lines[0])
    return parsed
