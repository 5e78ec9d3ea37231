"""The site a browser title shows: known titles, URLs, bare domains; never raises."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activity.sites import describe_window, site_from_title
from activity.window import WindowInfo

HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


@pytest.mark.parametrize(
    ("app", "title", "site"),
    [
        ("Chromium", "Pull requests · acme/repo — GitHub - Chromium", "github.com"),
        ("firefox", "Pull requests · acme/repo · GitHub — Mozilla Firefox", "github.com"),
        ("firefox-esr", "Issue 12 · group/project · GitLab — Mozilla Firefox", "gitlab.com"),
        ("Google-chrome", "Inbox (3) - me@acme.com - Gmail - Google Chrome", "mail.google.com"),
        ("chrome.exe", "(2) Feed | LinkedIn - Google Chrome", "linkedin.com"),
        ("msedge.exe", "Budget - Google Sheets - Work - Microsoft\u200b Edge", "docs.google.com"),
        ("Brave-browser", "python - How do I X? - Stack Overflow - Brave", "stackoverflow.com"),
        ("Safari", "Python (programming language) - Wikipedia", "wikipedia.org"),
        ("Google Chrome", "YouTube", "youtube.com"),
        ("firefox", "docs.python.org — Mozilla Firefox", "docs.python.org"),
        ("firefox", "Welcome to WWW.Example.COM — Mozilla Firefox", "example.com"),
        ("Chromium", "http://localhost:8501/ - Chromium", "localhost"),
        ("Chromium", "https://user:pw@Intranet.Acme.io/x?y=1 - Chromium", "intranet.acme.io"),
        ("firefox", "Mozilla Firefox", None),
        ("firefox", "New Tab — Mozilla Firefox", None),
        ("firefox", "README.md · acme/repo — Mozilla Firefox", None),
        ("firefox", "setup.py and main.rs — Mozilla Firefox", None),
        ("firefox", "Mail to bob@example.com — Mozilla Firefox", None),
        ("firefox", "version 1.2.3 released — Mozilla Firefox", None),
        ("xterm", "https://github.com/acme/repo", None),
        ("code", "Pull requests · acme/repo — GitHub", None),
        ("firefox", None, None),
    ],
)
def test_site_from_title(app: str, title: str | None, site: str | None) -> None:
    assert site_from_title(app, title) == site


def test_a_url_wins_over_a_known_title() -> None:
    title = "Search results: https://www.bing.com/search?q=x - Google Search - Chromium"
    assert site_from_title("Chromium", title) == "bing.com"


def test_describe_window_adds_the_site() -> None:
    title = "Pull requests · acme/repo — GitHub - Chromium"
    assert describe_window("Chromium", title) == WindowInfo("Chromium", title, "github.com")
    assert describe_window("xterm", "github.com") == WindowInfo("xterm", "github.com", None)


@given(st.text(max_size=40), st.none() | st.text(max_size=300))
def test_never_raises_and_gives_a_lowercase_host(app: str, title: str | None) -> None:
    for name in (app, "firefox", "chrome.exe"):
        site = site_from_title(name, title)
        assert site is None or (HOST.match(site) and not site.startswith("www."))


labels = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\Z")


pages = st.text(max_size=20).filter(lambda page: "://" not in page)


@given(st.lists(labels, min_size=1, max_size=4), st.booleans(), pages)
def test_a_url_in_the_title_gives_its_host(parts: list[str], upper: bool, page: str) -> None:
    host = ".".join(parts)
    shown = host.upper() if upper else host
    title = f"{page} https://{shown}/path?q=1 — Mozilla Firefox"
    assert site_from_title("firefox", title) == host.removeprefix("www.")


def test_huge_title_is_fast() -> None:
    title = "a." * 50_000 + " — Mozilla Firefox"
    assert site_from_title("firefox", title) is None
