"""Admin pages: people and teams, accounts, policies edited through validation."""

from __future__ import annotations

from tests.app.conftest import Demo, signed_in


def test_people_and_accounts_are_listed_without_password_hashes(demo: Demo) -> None:
    app = signed_in("demo-admin", demo.password)
    teams = app.dataframe[0].value
    assert sorted(teams["team"]) == ["Legal", "Platform", "Product Design"]
    assert len(app.dataframe[1].value) == 14
    app.switch_page("app/pages/accounts.py").run()
    accounts = app.dataframe[0].value
    assert "password_hash" not in accounts.columns
    assert set(accounts["role"]) == {"admin", "dpo", "manager", "employee"}


def test_a_policy_is_validated_before_it_is_stored(demo: Demo) -> None:
    app = signed_in("demo-admin", demo.password)
    app.switch_page("app/pages/policies.py").run()
    app.selectbox[0].select("screenshot_interval_seconds").run()
    app.text_area[0].input("0")
    app.main.button[0].click()
    app.run()
    assert app.error[0].value.startswith("Not saved: screenshot_interval_seconds must be positive")
    app.text_area[0].input("900")
    app.main.button[0].click()
    app.run()
    assert app.success[0].value == "screenshot_interval_seconds saved."
    app.run()
    policy = " ".join(m.value for m in app.sidebar.markdown)
    assert "Screenshots about every 15 minutes" in policy
    app.text_area[0].input("600")  # put it back for the other tests
    app.main.button[0].click()
    app.run()
    assert app.success
