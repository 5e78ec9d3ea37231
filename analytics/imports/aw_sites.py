"""The site of a browser window: from aw-watcher-web's tab events, the URL, or the title.

aw-watcher-web buckets are named per browser (``aw-watcher-web-firefox``, ``…-chrome``) and
older versions write the hostname ``unknown``: they are joined to a host's window bucket
by time, and to the windows of their own browser (ActivityWatch's ``browser_appnames``)
when the bucket names one. A window takes the host of the tab event it overlaps most; one
pointer per web bucket walks forward with the windows, so the join is linear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from activity.sites import BROWSER_APPS, site_from_title
from analytics.imports.aw_sweep import Piece

# Browser family -> words of its application names (chrome covers Chromium and Chrome).
FAMILIES = {
    "firefox": ("firefox", "nightly", "librewolf", "waterfox"),
    "chrome": ("chrome", "chromium"),
    "edge": ("edge", "msedge"),
    "brave": ("brave",),
    "opera": ("opera",),
    "vivaldi": ("vivaldi",),
    "safari": ("safari",),
}


@dataclass
class WebBucket:
    """One web bucket's flooded tab events, its browser family (None: any browser) and the
    sweep's position."""

    pieces: Sequence[Piece]
    family: str | None
    at: int = field(default=0)


def family_of(name: str) -> str | None:
    """The browser family a web bucket's id or client names, if any."""
    lowered = name.lower()
    return next((family for family in FAMILIES if family in lowered), None)


def is_browser(app: str) -> bool:
    """Whether ``app`` is a browser, by the collector's list of browser names."""
    return _normalise(app) in BROWSER_APPS


@lru_cache(maxsize=1024)
def _normalise(app: str) -> str:
    name = app.strip().lower().removesuffix(".exe").removesuffix(".app")
    return "-".join(name.replace("_", " ").split())


def _same_family(app: str, family: str | None) -> bool:
    return family is None or any(word in _normalise(app) for word in FAMILIES[family])


@lru_cache(maxsize=4096)  # a tab's URL repeats across the windows it overlaps
def host_of(url: str) -> str | None:
    """The lowercase host of an http(s) URL (without ``www.``, as the collector reads
    sites), or a bare host name as it is (a TraqNext export writes the stored site)."""
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname if parts.scheme in ("http", "https") else None
        host = host.rstrip(".").removeprefix("www.") if host else None
    else:
        host = url.split("/", 1)[0].lower()
    if not host or len(host) > 253 or not host.isascii() or " " in host or "." not in host:
        return None
    return host


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def browser_site(
    app: str, title: str | None, url: str | None, start: float, end: float, web: list[WebBucket]
) -> str | None:
    """The site of the browser window ``app`` over ``[start, end)`` (windows come in time
    order): the tab it overlaps most, else its URL, else its title."""
    best, overlap = None, 0.0
    for bucket in web:
        pieces = bucket.pieces
        while bucket.at < len(pieces) and pieces[bucket.at][1] <= start:
            bucket.at += 1  # flooded tab events are disjoint: their ends only grow
        if not _same_family(app, bucket.family):
            continue
        index = bucket.at
        while index < len(pieces) and pieces[index][0] < end:
            lo, hi, data = pieces[index]
            shared = min(end, hi) - max(start, lo)
            if shared > overlap:
                best, overlap = data, shared
            index += 1
    host = host_of(_text(best.get("url")) or "") if best is not None else None
    return host or (host_of(url) if url else None) or site_from_title(app, title)
