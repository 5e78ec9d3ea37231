"""The authorization matrix: each role's pages render, every other page refuses."""

from __future__ import annotations

import pytest

from app.nav import HOME, PAGES
from tests.app.accounts import account, employee_in_team
from tests.app.conftest import Demo, page_as, signed_in

ALL_PAGES = [HOME[0], *(path for pages in PAGES.values() for path, _ in pages)]
USERS = {"admin": "sigrid.lindqvist", "dpo": "ilse.marchetti"}


def username(demo: Demo, role: str) -> str:
    if role == "manager":
        return demo.manager_of("Platform")
    return USERS[role] if role in USERS else employee_in_team(1)[0]


def allowed(role: str) -> set[str]:
    return {HOME[0], *(path for path, _ in PAGES[role])}


@pytest.mark.parametrize("role", ["admin", "dpo", "manager", "employee"])
def test_each_role_sees_and_renders_only_its_pages(demo: Demo, role: str) -> None:
    app = signed_in(username(demo, role), demo.password)
    for path in ALL_PAGES:
        if path not in allowed(role):
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(path)
            continue
        app.switch_page(path).run()
        assert not app.exception, (path, [e.value for e in app.exception])
        assert not app.error, (path, [e.value for e in app.error])


@pytest.mark.parametrize("role", ["admin", "dpo", "manager", "employee"])
def test_a_page_reached_directly_refuses_other_roles(demo: Demo, role: str) -> None:
    signed = account(username(demo, role), demo.password)
    for path in sorted(set(ALL_PAGES) - allowed(role)):
        app = page_as(path, signed)
        assert not app.exception, (path, [e.value for e in app.exception])
        assert [e.value for e in app.error] == ["You are not allowed to see this page."], path
        assert not app.get("plotly_chart") and not app.dataframe, path


@pytest.mark.parametrize("path", ALL_PAGES)
def test_every_page_refuses_without_sign_in(demo: Demo, path: str) -> None:
    app = page_as(path, None)
    assert [e.value for e in app.error] == ["Please sign in first."]


def test_signed_out_the_only_page_is_sign_in_and_the_policy_is_public(demo: Demo) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ENTRY

    app = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert app.title[0].value == "Sign in to TraqNext"
    with pytest.raises(ValueError):
        app.switch_page(PAGES["manager"][0][0])
    policy = " ".join(m.value for m in app.sidebar.markdown)
    assert "Screenshots about every 10 minutes" in policy and "never which keys" in policy


@pytest.mark.parametrize("team", ["2", "3", "99", "abc", "1,2"])
@pytest.mark.parametrize("page", [path for path, _ in PAGES["manager"]])
def test_a_manager_cannot_reach_another_team_by_query(demo: Demo, team: str, page: str) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.query_params["team"] = team
    app.switch_page(page).run()
    assert [e.value for e in app.error] == [
        "You may not see that team: managers see only their own teams."
    ]
    assert not app.get("plotly_chart") and not app.dataframe and not app.metric


def test_a_manager_may_pick_their_own_team_by_query(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.query_params["team"] = "1"
    app.switch_page(PAGES["manager"][0][0]).run()
    assert not app.error and not app.exception
    assert len(app.metric) == 4


@pytest.mark.parametrize("page", [path for path, _ in PAGES["employee"]])
def test_an_employee_cannot_ask_for_someone_else(demo: Demo, page: str) -> None:
    name, own = employee_in_team(1)
    _, other = employee_in_team(1, skip=1)
    app = signed_in(name, demo.password)
    app.query_params["person"] = str(other)
    app.switch_page(page).run()
    assert [e.value for e in app.error] == ["You may see only your own data."]
    assert not app.get("plotly_chart") and not app.get("image")
    app.query_params["person"] = str(own)
    app.run()
    assert not app.error and not app.exception


def test_the_team_filter_is_shared_by_every_manager_page(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    team = next(box for box in app.sidebar.selectbox if box.label == "Team")
    team.select(1).run()
    for page, _ in PAGES["manager"][1:]:
        app.switch_page(page).run()
        assert next(box for box in app.sidebar.selectbox if box.label == "Team").value == 1
        assert not app.error and not app.exception


@pytest.mark.parametrize(("role", "has_period"), [
    ("admin", False), ("dpo", False), ("manager", True), ("employee", True),
])  # fmt: skip
def test_the_period_filter_is_shown_only_where_pages_use_it(
    demo: Demo, role: str, has_period: bool
) -> None:
    app = signed_in(username(demo, role), demo.password)
    assert any(d.label == "Period" for d in app.sidebar.date_input) == has_period
