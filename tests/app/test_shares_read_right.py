"""Shares read as the metrics do: whole percent in tables, changes in percentage points."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.app.conftest import Demo, signed_in

PERCENT = re.compile(r"\d{1,3} %")


def test_tables_show_percent_and_metrics_change_in_points(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    assert app.title[0].value == "Team overview"
    (picker,) = [d for d in app.sidebar.date_input if d.label == "Period"]
    last = picker.value[1]
    # Three days against the three before: both inside the 7-day demo, so changes show.
    app.session_state["period"] = (last - timedelta(days=2), last)
    app.run()
    table = app.dataframe[0].value
    for column in ("Activity level", "Productive share"):
        cells = [c for c in table[column] if not str(c).startswith("fewer than")]
        assert cells and all(PERCENT.fullmatch(str(c)) for c in cells), (column, cells)
    shares = {m.label: m for m in app.metric if m.label in ("Activity level", "Productive share")}
    assert shares
    changes = [m.delta for m in shares.values() if m.delta]
    assert changes and all(re.fullmatch(r"[+-]\d+ pp", c) for c in changes), changes
