"""Every notebook runs from top to bottom on a small demo organisation, without an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from storage.db.engine import open_engine
from storage.rollups import rebuild_all_rollups

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo installation (30 people, 14 days), with rollups rebuilt by ours."""
    data_dir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["TRAQ_DATA_DIR"] = str(data_dir)
    demo = ["demo", "--employees", "30", "--days", "14", "--seed", "7", "--end", "2026-03-31"]
    for args in (["init"], [*demo, "--screenshot-days", "0"]):
        subprocess.run(
            [sys.executable, "-m", "traq.main", *args],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    engine = open_engine(f"sqlite:///{data_dir / 'traq.db'}")
    rebuild_all_rollups(engine)  # per-site application days, whatever the demo wrote
    engine.dispose()
    return data_dir


def test_there_are_at_least_two_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(
    path: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAQ_DATA_DIR", str(demo_dir))
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_outputs_are_stripped(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
