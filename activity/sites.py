"""The site a browser window shows, read from its title (pure).

Browsers put the page title, then their own name, in the window title, and many sites end
their page title with their brand ("… · acme/repo — GitHub - Chromium"). In order:

1. a URL in the title gives its host;
2. otherwise a known brand in one of the last two parts of the title (or the first) gives
   its host;
3. otherwise a bare domain name in the title ("docs.python.org — Firefox") gives itself.

Hosts are lowercase ASCII with a leading ``www.`` removed, so that aggregation sees one
name per site. Anything else gives None; this module never raises.
"""

from __future__ import annotations

import re

from activity.window import WindowInfo

# Normalised application names (see _normalise_app) of browsers on Linux (WM_CLASS class),
# Windows (process image) and macOS (localised application name).
BROWSER_APPS = frozenset(
    {
        "firefox", "firefox-esr", "navigator", "librewolf", "waterfox", "floorp",
        "chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
        "microsoft-edge", "microsoft-edge-stable", "msedge", "brave", "brave-browser",
        "vivaldi", "vivaldi-stable", "opera", "epiphany", "org.gnome.epiphany", "safari",
        "arc", "zen", "tor-browser",
    }
)  # fmt: skip

# Last or first part of a page title -> the site's host.
KNOWN_TITLES = {
    "github": "github.com",
    "gitlab": "gitlab.com",
    "bitbucket": "bitbucket.org",
    "stack overflow": "stackoverflow.com",
    "wikipedia": "wikipedia.org",
    "gmail": "mail.google.com",
    "google search": "google.com",
    "google docs": "docs.google.com",
    "google sheets": "docs.google.com",
    "google slides": "docs.google.com",
    "google drive": "drive.google.com",
    "google calendar": "calendar.google.com",
    "google meet": "meet.google.com",
    "youtube": "youtube.com",
    "linkedin": "linkedin.com",
    "facebook": "facebook.com",
    "instagram": "instagram.com",
    "reddit": "reddit.com",
    "hacker news": "news.ycombinator.com",
    "slack": "app.slack.com",
    "microsoft teams": "teams.microsoft.com",
    "outlook": "outlook.office.com",
    "notion": "notion.so",
    "figma": "figma.com",
    "trello": "trello.com",
    "netflix": "netflix.com",
    "chatgpt": "chatgpt.com",
    "zoom": "zoom.us",
}

# Common TLDs only: titles are full of file names ("setup.py", "README.md") whose
# extensions are also country codes, and a wrong site is worse than none.
_TLDS = (
    "com|org|net|edu|gov|io|dev|app|ai|co|me|so|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi"
    "|ie|pt|pl|cz|eu|ca|au|nz|jp|cn|in|br|ru|info|biz|cloud|tech|xyz|site|page"
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL = re.compile(rf"https?://(?:[^\s/@]*@)?({_LABEL}(?:\.{_LABEL})*)", re.IGNORECASE | re.ASCII)
_DOMAIN = re.compile(
    rf"(?<![\w@.-])((?:{_LABEL}\.)+(?:{_TLDS}))(?![\w-]|\.\w)", re.IGNORECASE | re.ASCII
)
# Between spaces: hyphen, em dash, en dash, bar, middle dot, bullet or colon.
_SEPARATOR = re.compile(r"\s+[-\u2014\u2013|\u00b7\u2022:]\s+")
_BROWSER_PART = re.compile(
    r"\b(firefox|chrom(e|ium)|edge|brave|vivaldi|opera|safari|librewolf|waterfox"
    r"|private browsing|incognito)\b",
    re.IGNORECASE,
)
_COUNTER = re.compile(r"^\(\d+\+?\)\s*")  # "(3) Inbox" -> "Inbox"
_MAX_HOST = 253
# Why a cap: the site shows early in a title, and the domain search is quadratic at worst.
_MAX_TITLE = 2048


def site_from_title(app: str, title: str | None) -> str | None:
    """The lowercase host a browser window ``title`` shows, or None (never raises)."""
    if not isinstance(app, str) or not isinstance(title, str):
        return None
    if _normalise_app(app) not in BROWSER_APPS:
        return None
    title = title[:_MAX_TITLE]
    url = _URL.search(title)
    if url:
        return _host(url.group(1))
    parts = _page_parts(title)
    # The brand ends most titles; Edge may add a profile name after it; a few lead with it.
    for part in [*parts[:-3:-1], *parts[:1]]:
        known = KNOWN_TITLES.get(_normalise_part(part))
        if known:
            return known
    domain = _DOMAIN.search(title)
    return _host(domain.group(1)) if domain else None


def describe_window(app: str, title: str | None) -> WindowInfo:
    """A ``WindowInfo`` for ``app`` and ``title``, with the site when a browser shows one."""
    return WindowInfo(app=app, title=title, site=site_from_title(app, title))


def _normalise_app(app: str) -> str:
    name = app.strip().lower()
    name = name.removesuffix(".exe").removesuffix(".app")
    return re.sub(r"[\s_]+", "-", name)


def _page_parts(title: str) -> list[str]:
    """The parts of ``title`` between separators, without the trailing browser name."""
    parts = [part.strip() for part in _SEPARATOR.split(title) if part.strip()]
    while len(parts) > 1 and _BROWSER_PART.search(parts[-1]):
        parts.pop()
    return parts


def _normalise_part(part: str) -> str:
    text = _COUNTER.sub("", part.strip()).casefold()
    return " ".join(text.split())


def _host(name: str) -> str | None:
    host = name.lower().rstrip(".")
    host = host.removeprefix("www.")
    if not host or len(host) > _MAX_HOST or not host.isascii():
        return None
    return host
