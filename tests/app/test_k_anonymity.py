"""Property: no manager-facing figure covers fewer than k people, whatever the filters."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import Period
from analytics import overview as dashboard
from app.nav import PAGES
from app.views import ABOUT_LINES
from storage import open_storage
from tests.app.conftest import Demo, RecordingStorage, downloaded, signed_in

K = 5
HIDDEN = f"fewer than {K} people"
LAST = date(2026, 3, 31)
COVERS = re.compile(r"covers (?:(\d+) to )?(\d+) people")
periods = st.tuples(st.integers(0, 9), st.integers(1, 9)).map(
    lambda p: Period(LAST - timedelta(days=p[0] + p[1] - 1), LAST - timedelta(days=p[0]))
)
FIGURES = [
    dashboard.overview, dashboard.by_unit, dashboard.daily_lines, dashboard.weekly_lines,
    dashboard.heatmap, dashboard.categories, dashboard.top_apps, dashboard.team_timesheet,
]  # fmt: skip
SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(period=periods, team_ids=st.sets(st.sampled_from([1, 2, 3]), min_size=1))
def test_every_published_figure_covers_at_least_k_people(
    demo: Demo, period: Period, team_ids: set[int]
) -> None:
    storage = open_storage()
    for make in FIGURES:
        figure = make(storage.engine, period, team_ids)
        assert figure.k >= K
        assert (figure.shown["people"] >= K).all()
        assert (figure.shown["person_days"] >= K).all()
        hidden = figure.cells.filter("suppressed")
        assert hidden["people"].null_count() == len(hidden)
    storage.close()


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(period=periods, team=st.sampled_from(["all", "1", "2", "3"]))
def test_no_page_element_shows_fewer_than_k_people(
    demo: Demo,
    manager_of_every_team: tuple[str, str],
    media: type[RecordingStorage],
    period: Period,
    team: str,
) -> None:
    app = signed_in(*manager_of_every_team)
    app.session_state["filters"] = (period.first, period.last)
    if team != "all":
        app.query_params["team"] = team
    for page, _ in PAGES["manager"]:
        app.switch_page(page).run()
        assert not app.exception, [e.value for e in app.exception]
        for caption in app.caption:
            found = COVERS.search(caption.value)
            counts = [int(n) for n in found.groups() if n] if found else []
            assert all(n >= K for n in counts), caption.value
        for frame in app.dataframe:
            assert _people_ok(list(frame.value["people"]))
        for button in app.get("download_button"):  # what leaves as CSV says the same
            _, is_csv, name = button.proto.id.rpartition("-csv-")
            if is_csv:
                raw = io.BytesIO(downloaded(app, f"csv-{name}"))
                shown = pd.read_csv(raw, dtype=str, skiprows=ABOUT_LINES)
                assert _people_ok(list(shown["people"])), name
        for metric in app.metric:  # a headline figure, or the words for a hidden one
            assert metric.value.endswith((" h", "%")) or metric.value == HIDDEN, metric.value
        if team == "3":  # Legal has 3 people: nothing at all may be shown
            assert not app.metric and not app.get("plotly_chart") and not app.dataframe
            assert not app.get("download_button")


def _people_ok(people: list[object]) -> bool:
    """Every ``people`` count shown is at least k (a hidden one reads "fewer than k")."""
    return all(str(p) == HIDDEN or int(str(p)) >= K for p in people)
