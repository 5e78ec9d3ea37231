"""The policies page refuses absurd values and asks before emptying the dashboards."""

from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from storage import Storage
from storage.db.schema import people
from tests.app.conftest import Demo, signed_in


def press(app: AppTest, label: str) -> AppTest:
    """Click the button labelled ``label`` and run the page."""
    next(b for b in app.button if b.label == label).click()
    return app.run()


def test_k_is_checked_against_the_people_enrolled(installation: Storage, demo: Demo) -> None:
    with installation.engine.connect() as connection:
        sizes = connection.execute(
            select(func.count()).select_from(people).group_by(people.c.team_id)
        ).scalars().all()  # fmt: skip
    largest, everyone = max(sizes), sum(sizes)
    app = signed_in("sigrid.lindqvist", demo.password)
    app.switch_page("app/pages/policies.py").run()
    app.number_input(key="policy-k").set_value(everyone + 1)
    press(app, "Save k")
    assert app.error[0].value == (
        f"Not saved: k_anonymity {everyone + 1} is above the {everyone} people enrolled: "
        "no figure could ever be published"
    )
    app.number_input(key="policy-k").set_value(largest + 1)
    press(app, "Save k")
    assert app.error[0].value == (
        f"Not saved: k_anonymity {largest + 1} is above the largest team ({largest} people), "
        "so the team dashboards would be empty; confirm to save it anyway"
    )
    app.number_input(key="policy-k").set_value(largest + 1)
    app.checkbox(key="policy-k-confirm").check()
    press(app, "Save k")
    assert app.success[0].value == "Saved: k_anonymity."


def test_an_interval_over_a_day_is_refused(installation: Storage, demo: Demo) -> None:
    app = signed_in("sigrid.lindqvist", demo.password)
    app.switch_page("app/pages/policies.py").run()
    app.number_input(key="policy-interval").set_value(24 * 60 + 1)
    press(app, "Save screenshots and idle time")
    assert app.error[0].value == (
        "Not saved: screenshot_interval_seconds must be at most 86400 (24 hours), got 86460"
    )
