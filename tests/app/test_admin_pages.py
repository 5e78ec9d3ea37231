"""Admin pages: people and teams, accounts, policies edited through validation."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import Demo, signed_in


def test_people_and_accounts_are_listed_without_password_hashes(demo: Demo) -> None:
    app = signed_in("sigrid.lindqvist", demo.password)
    teams = app.dataframe[0].value
    assert sorted(teams["team"]) == ["Legal", "Platform", "Product Design"]
    assert len(app.dataframe[1].value) == 14
    app.switch_page("app/pages/accounts.py").run()
    accounts = app.dataframe[0].value
    assert "password_hash" not in accounts.columns
    assert set(accounts["role"]) == {"admin", "dpo", "manager", "employee"}


def save_json(app: AppTest, name: str, text: str) -> AppTest:
    """Type ``text`` into the JSON editor of policy ``name`` and save it."""
    app.selectbox(key="policy-json-name").select(name).run()
    app.text_area(key=f"json-{name}").input(text)
    next(b for b in app.button if b.label == "Save").click()
    return app.run()


def test_a_policy_is_validated_before_it_is_stored(demo: Demo) -> None:
    app = signed_in("sigrid.lindqvist", demo.password)
    app.switch_page("app/pages/policies.py").run()
    save_json(app, "screenshot_interval_seconds", "0")
    assert app.error[0].value == "Not saved: screenshot_interval_seconds must be positive, got 0"
    save_json(app, "screenshot_interval_seconds", "{")
    assert app.error[0].value.startswith("Not saved: not valid JSON (")
    save_json(app, "screenshot_interval_seconds", "900")
    assert app.success[0].value == "Saved: screenshot_interval_seconds."
    policy = " ".join(m.value for m in app.sidebar.markdown)
    assert "Screenshots about every 15 minutes" in policy
    save_json(app, "screenshot_interval_seconds", "45")
    policy = " ".join(m.value for m in app.sidebar.markdown)
    assert "Screenshots about every 45 seconds" in policy  # not "every 0 minutes"
    assert "the site's name, read from the window title" in policy
    save_json(app, "screenshot_interval_seconds", "600")  # put it back for the other tests
    assert app.success[0].value == "Saved: screenshot_interval_seconds."


def test_the_policy_forms_show_the_policy_in_force(demo: Demo) -> None:
    app = signed_in("sigrid.lindqvist", demo.password)
    app.switch_page("app/pages/policies.py").run()
    assert app.number_input(key="policy-k").value == 5
    assert app.number_input(key="policy-interval").value == 10
    assert app.number_input(key="policy-retention-screenshots").value == 30
    assert app.selectbox(key="policy-rating-default-development").value == "productive"
    assert app.selectbox(key="policy-ratings-scope").options == [
        "default", "Legal", "Platform", "Product Design"
    ]  # fmt: skip
