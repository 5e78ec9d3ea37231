"""Applications by time, with their category and rating, and a drill-down by category."""

from __future__ import annotations

from storage import open_storage
from storage.policies import load_policies
from tests.app.conftest import Demo, signed_in


def _policy() -> dict[str, object]:
    storage = open_storage()
    try:
        with storage.engine.connect() as c:
            return load_policies(c)
    finally:
        storage.close()


def test_applications_sorted_by_time_with_category_and_rating(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/applications.py").run()
    assert not app.exception
    table = app.dataframe[-1].value
    assert list(table.columns[:4]) == ["app", "category", "rating", "hours"]
    numbers = [float(h) for h in table["hours"] if str(h).replace(".", "", 1).isdigit()]
    assert len(numbers) >= 3 and numbers == sorted(numbers, reverse=True)
    policy = _policy()
    categories, ratings = policy["app_categories"], policy["category_ratings"]["default"]  # type: ignore[index]
    for row in table.itertuples():
        if not row.app.startswith("other "):
            assert row.category == categories.get(row.app, "uncategorised")  # type: ignore[union-attr]
        assert row.rating == ratings.get(row.category, "neutral")  # type: ignore[union-attr]

    chosen = table["category"].iloc[0]
    app.selectbox(key="drill-category").set_value(chosen).run()
    drilled = app.dataframe[-1].value
    assert set(drilled["category"]) == {chosen} and len(drilled) <= len(table)
    assert app.subheader[-1].value.startswith("Top 15 applications in ")
