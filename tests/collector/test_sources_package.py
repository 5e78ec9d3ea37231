"""The sources package: a complete curated API, a light import, a documented error tree."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import collector.errors
import collector.sources

HEAVY = ("polars", "pandas", "streamlit", "great_expectations", "sqlalchemy", "pyarrow")


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(collector.sources).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert set(collector.sources.__all__) == public
    assert collector.sources.__all__ == sorted(collector.sources.__all__, key=_ruff_order)


def test_importing_sources_stays_light() -> None:
    code = (
        "import json, sys\n"
        "import collector.sources\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert not loaded & set(HEAVY)
    # Platform libraries load only when a source starts.
    assert not loaded & {"pynput", "Xlib", "mss"}


def _ruff_order(name: str) -> tuple[int, str]:
    # ruff's RUF022 sort: SCREAMING_CASE, then CamelCase, then the rest.
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)
