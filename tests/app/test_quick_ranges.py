"""Quick ranges in the sidebar end at the last day with data and set the period picker."""

from __future__ import annotations

from datetime import timedelta

from app.sidebar import QUICK_RANGES
from tests.app.conftest import Demo, signed_in


def test_each_quick_range_sets_the_period_and_the_pages_follow(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    (picker,) = [d for d in app.sidebar.date_input if d.label == "Period"]
    last = picker.value[1]
    expected = {
        "This week": (last - timedelta(days=last.weekday()), last),
        "Last week": (
            last - timedelta(days=last.weekday() + 7),
            last - timedelta(days=last.weekday() + 1),
        ),
        "This month": (last.replace(day=1), last),
        "Last 30 days": (last - timedelta(days=29), last),
    }
    assert set(expected) == set(QUICK_RANGES)
    for name, (first, end) in expected.items():
        app.sidebar.selectbox(key="quick-range").set_value(name).run()
        assert not app.exception and not app.warning
        (picker,) = [d for d in app.sidebar.date_input if d.label == "Period"]
        assert picker.value == (first, end), name
        assert app.caption[0].value.startswith(f"{first} → {end}"), name
