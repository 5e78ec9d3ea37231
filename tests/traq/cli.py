"""Run the real `traq` command in a child process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine

from storage.config import load_settings
from storage.db.engine import open_engine
from storage.keystore import installation_id, key_file_for

ROOT = Path(__file__).resolve().parents[2]


def traq(
    *args: str, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`traq ARGS` with ``env`` added to a clean copy of the environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "traq.main", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def installed_key_file(env: Mapping[str, str], engine: Engine | None = None) -> Path:
    """The master key file of the installation ``env`` names (by default outside its folder)."""
    settings = load_settings(env)
    own = engine is None
    engine = engine or open_engine(settings.database_url)
    try:
        return key_file_for(settings, installation_id(engine))
    finally:
        if own:
            engine.dispose()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """The command failed with exactly one line on stderr naming ``fragments``, no traceback."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
