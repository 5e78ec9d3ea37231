"""`traq publish`: closed days once, then nothing; the demo publishes its own; bad input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.traq.cli import assert_one_line_error, traq


def _env(tmp_path: Path) -> dict[str, str]:
    return {"TRAQ_DATA_DIR": str(tmp_path), "TRAQ_SPOOL_DIR": str(tmp_path / "spool")}


def test_the_demo_publishes_its_days_and_publish_then_has_nothing_to_do(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert traq("init", env=env).returncode == 0
    demo = traq("demo", "--employees", "12", "--days", "3", "--end", "2026-03-31",
                "--screenshot-days", "0", env=env)  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    assert "published" in demo.stdout and "unit-days" in demo.stdout
    again = traq("publish", "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"days": [], "shown": 0, "suppressed": 0, "units": 0}
    assert "nothing to publish" in traq("publish", env=env).stdout


def test_publish_as_of_a_past_date_publishes_nothing_not_yet_due(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert traq("init", env=env).returncode == 0
    result = traq("publish", "--as-of", "2020-01-01", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["days"] == []


def test_a_bad_date_is_one_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert traq("init", env=env).returncode == 0
    assert_one_line_error(traq("publish", "--as-of", "yesterday", env=env), "--as-of", "YYYY-MM-DD")
