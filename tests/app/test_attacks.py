"""The five attacks of issue 15, plus late data and rights events between two views, run by
someone who wants them to work.

The attacker is stronger than a manager: besides every figure a page offers (any period,
any of the teams), they read the published cells themselves, unrounded (as a data team
reading the publication tables could). An attack fails the test if it recovers any one
person's value to within a second. Ground truth comes from the person rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy import delete, select, update

from analytics import overview as dashboard
from analytics.periods import Period
from analytics.publication.inputs import load_days
from analytics.publication.publish import publish_due
from analytics.publication.read import load_published
from storage import Storage
from storage.db.schema import (
    people,
    publication_cells,
    publication_days,
    publication_units,
    teams,
)
from storage.erasure import delete_person_rows
from storage.rollups import refresh_rollups
from tests.analytics.builders import add_minutes, add_spans
from tests.app.conftest import Demo, RecordingStorage, downloaded, signed_in

WEEK = Period(date(2026, 3, 25), date(2026, 3, 31))
NOW = datetime.now(UTC)


def _team(storage: Storage, name: str) -> int:
    with storage.engine.connect() as connection:
        return int(connection.execute(select(teams.c.id).where(teams.c.name == name)).scalar_one())


def _truth(storage: Storage, period: Period) -> pl.DataFrame:
    """Each person's finest rows (the attacker's target): ``day, person_id, team_id, hour,
    app, tracked, active, seconds``."""
    with storage.engine.connect() as connection:
        days = load_days(connection, period)
    return pl.concat(list(days.values()))


def _totals(cells: pl.DataFrame) -> tuple[float, float, int]:
    shown = cells.filter((pl.col("kind") == "total") & ~pl.col("suppressed"))
    return shown["tracked"].sum(), shown["active"].sum(), shown["people"].sum()


def _recovers(estimate: float, truths: list[float]) -> bool:
    return any(abs(estimate - t) < 1.0 for t in truths if t)


def _person_tracked(truth: pl.DataFrame) -> dict[int, float]:
    rows = truth.filter(pl.col("app") == "").group_by("person_id").agg(pl.col("tracked").sum())
    return dict(rows.iter_rows())


@pytest.fixture
def copy(installation: Storage) -> Iterator[Storage]:
    """A private copy of the published demo."""
    yield installation


def _figures(storage: Storage, period: Period, team_ids: set[int]) -> list[pl.DataFrame]:
    makers = [
        dashboard.overview, dashboard.by_unit, dashboard.daily_lines, dashboard.weekly_lines,
        dashboard.heatmap, dashboard.categories, dashboard.top_apps,
    ]  # fmt: skip
    return [make(storage.engine, period, team_ids).cells for make in makers]


# 1. Before/after a rights event: restrict, object, erase, then view the same period again.
@pytest.mark.parametrize("event", ["restricted", "objected", "erased"])
def test_a_rights_event_between_two_views_reveals_nothing(copy: Storage, event: str) -> None:
    platform = _team(copy, "Platform")
    truth = _truth(copy, WEEK)
    victim = truth.filter(pl.col("team_id") == platform)["person_id"].min()
    before_cells = load_published(copy.engine, WEEK, {platform})
    before = _figures(copy, WEEK, {platform})
    with copy.engine.begin() as connection:
        if event == "erased":
            delete_person_rows(connection, victim)
        else:
            connection.execute(update(people).where(people.c.id == victim).values({event: True}))
    publish_due(copy.engine, NOW)
    after_cells = load_published(copy.engine, WEEK, {platform})
    assert after_cells.equals(before_cells)  # released once: nothing to subtract
    for old, new in zip(before, _figures(copy, WEEK, {platform}), strict=True):
        assert new.equals(old)
    tracked_before, _, people_before = _totals(before_cells)
    tracked_after, _, people_after = _totals(after_cells)
    mean_before, mean_after = tracked_before / people_before, tracked_after / people_after
    estimate = mean_before * people_before - mean_after * (people_after - 1)
    assert not _recovers(tracked_before - tracked_after, [_person_tracked(truth)[victim]])
    assert not _recovers(estimate, list(_person_tracked(truth).values()))


# 2. Mean of means around one absence: the overview and the daily line of one week.
def test_the_mean_of_means_around_one_absence_gives_nobody_away(copy: Storage) -> None:
    platform = _team(copy, "Platform")
    truth = _truth(copy, WEEK)
    worked = truth.filter(pl.col("app") == "").group_by("person_id").agg(pl.col("day").n_unique())
    days = worked["day"].max()
    absent = [p for p, d in worked.iter_rows() if d == days - 1]
    assert absent, "the demo week has someone off one day"
    cells = load_published(copy.engine, WEEK, {platform})
    tracked, _, person_days = _totals(cells)
    overview = dashboard.overview(copy.engine, WEEK, {platform}).cells.row(0, named=True)
    daily = dashboard.daily_lines(copy.engine, WEEK, {platform}).cells
    n = int(overview["people"])
    for mean in (tracked / person_days, overview["work_hours"] * 3600):  # exact, then shown
        day_sums = sum(r["work_hours"] * 3600 * r["people"] for r in daily.iter_rows(named=True))
        estimate = (mean * n - day_sums / days) / (1 / (days - 1) - 1 / days)
        assert not _recovers(estimate, [_person_tracked(truth)[p] for p in absent])


# 3. Applications versus categories: a category minus its shown applications.
def test_a_category_minus_its_shown_applications_never_is_one_person(copy: Storage) -> None:
    truth = _truth(copy, WEEK).filter(pl.col("app") != "")
    cells = load_published(copy.engine, WEEK)
    shown_names = set(cells.filter(pl.col("kind") == "app")["key"])
    units = _units(copy)
    recovered = 0
    for (day, unit), group in cells.group_by("day", "unit_id"):
        members = units.filter((pl.col("day") == day) & (pl.col("unit_id") == unit))["team_id"]
        mine = truth.filter((pl.col("day") == day) & pl.col("team_id").is_in(members.implode()))
        mine = mine.with_columns(
            pl.col("app").map_elements(_category, return_dtype=pl.String).alias("category")
        )
        shown = set(group.filter(pl.col("kind") == "app")["key"])
        for name in (
            mine.group_by("app")
            .agg(pl.col("person_id").n_unique())
            .filter(pl.col("person_id") == 1)["app"]
        ):
            assert name not in shown  # an application one person used is never named
        for category in group.filter(pl.col("kind") == "category").iter_rows(named=True):
            if category["suppressed"]:
                continue
            inside = group.filter(pl.col("kind") == "app").filter(
                pl.col("key").map_elements(_category, return_dtype=pl.String) == category["key"]
            )
            rest = category["seconds"] - inside["seconds"].sum()
            hidden = mine.filter(
                (pl.col("category") == category["key"]) & ~pl.col("app").is_in(list(shown))
            )
            per_person = hidden.group_by("person_id").agg(pl.col("seconds").sum())["seconds"]
            recovered += _recovers(rest, per_person.to_list())
    assert recovered == 0
    assert shown_names  # applications are published where k people used them


def _category(app: str) -> str:
    from storage.policies import DEFAULT_POLICIES

    return str(DEFAULT_POLICIES["app_categories"].get(app, "uncategorised"))


def _units(storage: Storage) -> pl.DataFrame:
    with storage.engine.connect() as connection:
        rows = connection.execute(select(publication_units)).all()
    return pl.DataFrame(
        [(date.fromisoformat(str(r.day)), r.team_id, r.unit_id) for r in rows],
        schema=["day", "team_id", "unit_id"],
        orient="row",
    )


# 4. Trackers: team A over the period, A over part of it, A + B over the rest.
def test_a_tracker_over_three_releases_finds_no_small_team_member(copy: Storage) -> None:
    platform, legal = _team(copy, "Platform"), _team(copy, "Legal")
    part, rest = (
        Period(WEEK.first, WEEK.first + timedelta(days=2)),
        Period(WEEK.first + timedelta(days=3), WEEK.last),
    )
    whole_a = load_published(copy.engine, WEEK, {platform})
    part_a = load_published(copy.engine, part, {platform})
    rest_ab = load_published(copy.engine, rest, {platform, legal})
    derived = _totals(rest_ab)[0] - (_totals(whole_a)[0] - _totals(part_a)[0])
    truth = _truth(copy, rest)
    legal_people = _person_tracked(truth.filter(pl.col("team_id") == legal))
    assert legal_people, "Legal worked that week"
    assert not _recovers(derived, list(legal_people.values()))
    assert not _recovers(derived, [sum(legal_people.values())])
    heat = {
        key: _hours(rest_ab, key) - (_hours(whole_a, key) - _hours(part_a, key))
        for key in {(d, h) for d, h in _keys(rest_ab)}
    }
    singles = truth.filter(pl.col("app") == "").group_by("day", "hour").agg(pl.col("tracked"))
    for day, hour, values in singles.iter_rows():
        assert not _recovers(heat.get((day, hour), 0.0), list(values)), (day, hour)


def _keys(cells: pl.DataFrame) -> list[tuple[date, int]]:
    hours = cells.filter((pl.col("kind") == "hour") & ~pl.col("suppressed"))
    return [(d, int(k)) for d, k in hours.select("day", "key").iter_rows()]


def _hours(cells: pl.DataFrame, key: tuple[date, int]) -> float:
    hit = cells.filter(
        (pl.col("kind") == "hour") & (pl.col("day") == key[0]) & (pl.col("key") == f"{key[1]:02d}")
    )
    return float(hit["tracked"].sum() or 0.0)


# 5. One-day shifts: Monday-Saturday, Monday-Wednesday and Thursday-Friday.
def test_one_day_shifts_do_not_single_out_a_lone_saturday_worker(copy: Storage) -> None:
    platform = _team(copy, "Platform")
    saturday = date(2026, 3, 28)
    with copy.engine.begin() as connection:  # a fresh installation: nothing published yet
        for table in (publication_cells, publication_units, publication_days):
            connection.execute(delete(table))
        worker = connection.execute(
            select(people.c.id, people.c.timezone).where(people.c.team_id == platform)
        ).first()
        assert worker is not None
        start = int(datetime.combine(saturday, time(10), ZoneInfo(worker.timezone)).timestamp())
        add_minutes(
            connection, worker.id, 1, [(start + 60 * m, 20 + m % 30, 5, 1) for m in range(95)]
        )
        add_spans(connection, worker.id, 1, [(start, start + 95 * 60, "Figma", None)])
        lo = int(datetime.combine(saturday, time(0), ZoneInfo(worker.timezone)).timestamp())
        refresh_rollups(connection, worker.id, lo, lo + 86400, worker.timezone)
    publish_due(copy.engine, NOW)
    monday = date(2026, 3, 23)
    views = [
        load_published(copy.engine, Period(monday, saturday), {platform}),
        load_published(copy.engine, Period(monday, monday + timedelta(days=2)), {platform}),
        load_published(
            copy.engine,
            Period(monday + timedelta(days=3), saturday - timedelta(days=1)),
            {platform},
        ),
    ]
    tracked = [_totals(v)[0] for v in views]
    active = [_totals(v)[1] for v in views]
    truth = _person_tracked(_truth(copy, Period(saturday, saturday)))
    assert truth[worker.id] == 95 * 60
    assert not _recovers(tracked[0] - tracked[1] - tracked[2], [truth[worker.id]])
    assert active[0] - active[1] - active[2] == 0  # Saturday is in no published cell
    assert load_published(copy.engine, Period(saturday, saturday)).is_empty()


# Late data between two views: an upload, an import or an idle review after publication.
def test_late_data_between_two_views_changes_no_figure(copy: Storage) -> None:
    platform = _team(copy, "Platform")
    before = _figures(copy, WEEK, {platform})
    cells = load_published(copy.engine, WEEK)
    with copy.engine.begin() as connection:
        worker = connection.execute(
            select(people.c.id, people.c.timezone).where(people.c.team_id == platform)
        ).first()
        assert worker is not None
        day = date(2026, 3, 27)
        start = int(datetime.combine(day, time(21), ZoneInfo(worker.timezone)).timestamp())
        add_minutes(connection, worker.id, 1, [(start + 60 * m, 40, 5, 1) for m in range(45)])
        lo = int(datetime.combine(day, time(0), ZoneInfo(worker.timezone)).timestamp())
        refresh_rollups(connection, worker.id, lo, lo + 86400, worker.timezone)
    assert publish_due(copy.engine, NOW).days == []
    assert load_published(copy.engine, WEEK).equals(cells)
    for old, new in zip(before, _figures(copy, WEEK, {platform}), strict=True):
        assert new.equals(old)


# Every attack above at once: any linear combination of one unit-day's published cells.
def test_no_combination_of_published_cells_isolates_anyone(copy: Storage) -> None:
    from storage.policies import DEFAULT_POLICIES
    from tests.analytics.linear import attack, columns_of

    categories = DEFAULT_POLICIES["app_categories"]
    truth = _truth(copy, WEEK)
    cells = load_published(copy.engine, WEEK)
    units = _units(copy)
    for (day, unit), group in cells.group_by("day", "unit_id"):
        members = units.filter((pl.col("day") == day) & (pl.col("unit_id") == unit))["team_id"]
        mine = truth.filter((pl.col("day") == day) & pl.col("team_id").is_in(members.implode()))
        assert attack(group, columns_of(mine), categories) == [], (day, unit)


# Through the real pages: every chart spec and download, before and after a restriction
# and a late upload, byte for byte (Plotly sends its data to the browser).
def test_pages_send_the_same_bytes_before_and_after_a_rights_event_and_late_data(
    demo: Demo, copy: Storage, media: type[RecordingStorage]
) -> None:
    pages = ["app/pages/overview.py", "app/pages/trends.py"]
    pages += ["app/pages/applications.py", "app/pages/comparison.py"]
    app = signed_in(demo.manager_of("Platform"), demo.password)

    def everything() -> list[object]:
        seen: list[object] = []
        for page in pages:
            app.switch_page(page).run()
            assert not app.exception
            seen += [chart.proto.spec for chart in app.get("plotly_chart")]
            for button in app.get("download_button"):
                kind = "csv" if "-csv-" in button.proto.id else "xlsx"
                name = button.proto.id.rpartition(f"-{kind}-")[2]
                seen.append(downloaded(app, f"{kind}-{name}"))
        return seen

    before = everything()
    platform = _team(copy, "Platform")
    with copy.engine.begin() as connection:
        victim = (
            connection.execute(select(people.c.id).where(people.c.team_id == platform))
            .scalars()
            .first()
        )
        connection.execute(update(people).where(people.c.id == victim).values(restricted=True))
        start = int(datetime.combine(date(2026, 3, 30), time(20), UTC).timestamp())
        add_minutes(connection, int(victim), 1, [(start + 60 * m, 50, 5, 1) for m in range(60)])
    publish_due(copy.engine, NOW)
    assert everything() == before
