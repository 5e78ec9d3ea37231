"""Privacy filters: policy parsing, drop and redact, the titles policy; never raises."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activity.errors import RuleError
from activity.privacy_filter import (
    FilteredWindow,
    PrivacyRule,
    apply_privacy_rules,
    rules_from_policy,
)
from activity.window import WindowInfo
from storage.policies import DEFAULT_POLICIES

DEFAULT_RULES = rules_from_policy(DEFAULT_POLICIES["privacy_filters"])
GITHUB = WindowInfo("firefox", "Pull requests · acme/repo · GitHub — Mozilla Firefox", "github.com")


def test_default_policy_parses() -> None:
    assert DEFAULT_RULES == [
        PrivacyRule("title", "(?i)private browsing|incognito", "drop"),
        PrivacyRule("title", "(?i)bank|health|medical", "redact"),
    ]


def test_unmatched_window_is_kept_whole() -> None:
    assert apply_privacy_rules(GITHUB, DEFAULT_RULES) == FilteredWindow(GITHUB, False)


def test_private_browsing_is_dropped_and_blocks_screenshots() -> None:
    window = WindowInfo("firefox", "Secret plans — Mozilla Firefox Private Browsing", None)
    assert apply_privacy_rules(window, DEFAULT_RULES) == FilteredWindow(None, True)
    incognito = WindowInfo("Google-chrome", "Inbox - Google Chrome (Incognito)", "gmail.com")
    assert apply_privacy_rules(incognito, DEFAULT_RULES) == FilteredWindow(None, True)


def test_banking_title_is_redacted_and_blocks_screenshots() -> None:
    window = WindowInfo("Chromium", "Accounts - My Bank - Chromium", "mybank.example")
    assert apply_privacy_rules(window, DEFAULT_RULES) == FilteredWindow(
        WindowInfo("Chromium", None, "mybank.example"), True
    )


def test_redact_by_site_removes_the_site_too() -> None:
    rules = [PrivacyRule("site", r"(^|\.)clinic\.example$", "redact")]
    window = WindowInfo("firefox", "Appointments — Mozilla Firefox", "www2.clinic.example")
    assert apply_privacy_rules(window, rules) == FilteredWindow(
        WindowInfo("firefox", None, None), True
    )


def test_redact_by_app_keeps_app_and_site() -> None:
    rules = [PrivacyRule("app", "^KeePassXC$", "redact")]
    window = WindowInfo("KeePassXC", "Passwords.kdbx - KeePassXC", None)
    assert apply_privacy_rules(window, rules) == FilteredWindow(
        WindowInfo("KeePassXC", None, None), True
    )


def test_drop_wins_over_redact() -> None:
    rules = [
        PrivacyRule("title", "Bank", "redact"),
        PrivacyRule("app", "^firefox$", "drop"),
    ]
    window = WindowInfo("firefox", "Bank", None)
    assert apply_privacy_rules(window, rules) == FilteredWindow(None, True)


def test_patterns_are_case_sensitive_unless_they_say_otherwise() -> None:
    rules = [PrivacyRule("title", "Bank", "redact")]
    assert not apply_privacy_rules(WindowInfo("x", "bank", None), rules).blocks_screenshot
    assert apply_privacy_rules(WindowInfo("x", "Bankside", None), rules).blocks_screenshot


def test_missing_field_never_matches() -> None:
    rules = [PrivacyRule("title", ".*", "drop"), PrivacyRule("site", "", "drop")]
    window = WindowInfo("xterm", None, None)
    assert apply_privacy_rules(window, rules) == FilteredWindow(window, False)


def test_titles_policy_drops_every_title_but_rules_still_see_them() -> None:
    kept = apply_privacy_rules(GITHUB, DEFAULT_RULES, store_window_titles=False)
    assert kept == FilteredWindow(WindowInfo("firefox", None, "github.com"), False)
    private = WindowInfo("firefox", "Mozilla Firefox Private Browsing", None)
    dropped = apply_privacy_rules(private, DEFAULT_RULES, store_window_titles=False)
    assert dropped == FilteredWindow(None, True)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"rule": 1}, "privacy_filters must be a list"),
        (["drop"], r"privacy_filters\[0\] must be an object"),
        ([{"match": "title", "pattern": "x"}], r"\[0\] needs exactly .*missing: action"),
        (
            [{"match": "title", "pattern": "x", "action": "drop", "why": "?"}],
            r"\[0\] needs exactly .*unknown: why",
        ),
        ([{"match": "url", "pattern": "x", "action": "drop"}], r"\[0\]: .*match must be one of"),
        ([{"match": "app", "pattern": "x", "action": "blur"}], r"\[0\]: .*action must be one of"),
        ([{"match": "app", "pattern": 3, "action": "drop"}], r"\[0\]: .*pattern must be a str"),
        (
            [
                {"match": "app", "pattern": "ok", "action": "drop"},
                {"match": "title", "pattern": "(unclosed", "action": "redact"},
            ],
            r"privacy_filters\[1\]: .*'\(unclosed' is not a valid regex",
        ),
    ],
)
def test_bad_policy_is_one_clear_value_error(policy: object, message: str) -> None:
    with pytest.raises(RuleError, match=message) as caught:
        rules_from_policy(policy)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)


def test_rules_compare_by_their_fields() -> None:
    assert PrivacyRule("app", "a", "drop") == PrivacyRule("app", "a", "drop")
    assert len({PrivacyRule("app", "a", "drop"), PrivacyRule("app", "a", "drop")}) == 1


optional_text = st.none() | st.text(max_size=60)
windows = st.builds(WindowInfo, app=st.text(max_size=30), title=optional_text, site=optional_text)
patterns = st.sampled_from(["", ".", "(?i)bank", "^a", "z$", r"\d+", "é|ü", "[", "(?s).*"]) | (
    st.text(max_size=5).map(re.escape)
)
rules = st.lists(
    st.builds(
        PrivacyRule,
        match=st.sampled_from(["app", "title", "site"]),
        pattern=patterns.filter(lambda p: _compiles(p)),
        action=st.sampled_from(["drop", "redact"]),
    ),
    max_size=4,
)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


@given(windows, rules, st.booleans())
def test_filter_never_raises_and_never_leaks(
    window: WindowInfo, rule_list: list[PrivacyRule], store_titles: bool
) -> None:
    result = apply_privacy_rules(window, rule_list, store_window_titles=store_titles)
    matched = [rule for rule in rule_list if rule.matches(window)]
    assert result.blocks_screenshot == bool(matched)
    if any(rule.action == "drop" for rule in matched):
        assert result.window is None
        return
    assert result.window is not None and result.window.app == window.app
    title_kept = not matched and store_titles
    assert result.window.title == (window.title if title_kept else None)
    assert result.window.site in (window.site, None)
