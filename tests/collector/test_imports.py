"""The collector stays light: `traq collect` never loads the analytics stack."""

from __future__ import annotations

import subprocess
import sys

from tests.traq.cli import ROOT

FORBIDDEN = ("polars", "pandas", "streamlit", "great_expectations", "plotly")


def test_traq_collect_never_imports_the_analytics_stack() -> None:
    code = (
        "import sys, traq.main, traq.commands.collect_cmd, collector.run, "
        "collector.pipeline.sources, collector.sinks.embedded; "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_command_module_defers_the_collector_to_its_run() -> None:
    code = "import sys, traq.commands.collect_cmd; print('collector.run' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
