"""The application and website catalogue: categories, how each is used, window titles.

Category names are exactly the keys of the ``category_ratings`` policy, so that every span
the demo writes can be rated. A site entry (``site`` set) runs in the person's browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CATEGORIES = (
    "development",
    "documents",
    "design",
    "communication",
    "meetings",
    "browsing",
    "entertainment",
    "social",
)


@dataclass(frozen=True)
class Usage:
    """How a category is used: span lengths, and input rates during an active minute."""

    median_seconds: float  # spans are log-normal around this
    spread: float  # sigma of the log-normal
    activity: float  # mean share of a minute with input
    keys: float  # key presses per fully active minute
    clicks: float
    moves: float
    scrolls: float


USAGE: dict[str, Usage] = {
    "development": Usage(420, 0.9, 0.78, 95, 5, 160, 6),
    "documents": Usage(360, 0.9, 0.72, 60, 8, 220, 14),
    "design": Usage(480, 0.8, 0.80, 10, 32, 650, 6),
    "communication": Usage(150, 0.9, 0.62, 45, 7, 160, 8),
    "meetings": Usage(1800, 0.4, 0.18, 4, 1, 40, 1),
    "browsing": Usage(200, 1.0, 0.58, 10, 8, 320, 26),
    "entertainment": Usage(240, 0.8, 0.25, 1, 2, 70, 9),
    "social": Usage(150, 0.8, 0.55, 12, 6, 210, 32),
}


@dataclass(frozen=True)
class Entry:
    """One application or website as people use it."""

    app: str | None  # None: the person's browser
    site: str | None
    category: str
    title: str  # template; placeholders are filled from titles.VOCABULARY
    personas: tuple[str, ...] = ()  # empty: anyone uses it


CATALOGUE: tuple[Entry, ...] = (
    Entry("Visual Studio Code", None, "development", "{file} — {repo} — Visual Studio Code"),
    Entry("PyCharm", None, "development", "{repo} - {file}", ("developer", "analyst")),
    Entry("Terminal", None, "development", "{user}@{host}: ~/src/{repo}", ("developer",)),
    Entry("JupyterLab", None, "development", "{notebook}.ipynb - JupyterLab", ("analyst",)),
    Entry("DBeaver", None, "development", "{table} - DBeaver", ("analyst",)),
    Entry(None, "github.com", "development", "Pull request #{n} · acme/{repo}"),
    Entry(None, "stackoverflow.com", "development", "{question} - Stack Overflow"),
    Entry(None, "acme.atlassian.net", "development", "[{ticket}] {task} - Jira"),
    Entry("Microsoft Word", None, "documents", "{doc}.docx - Word"),
    Entry("Microsoft Excel", None, "documents", "{sheet}.xlsx - Excel"),
    Entry(None, "docs.google.com", "documents", "{doc} - Google Docs"),
    Entry(None, "notion.so", "documents", "{doc} | Notion"),
    Entry("Adobe Acrobat", None, "documents", "{doc}.pdf - Adobe Acrobat"),
    Entry(
        None,
        "acme.lightning.force.com",
        "documents",
        "{company} | Opportunity | Salesforce",
        ("sales",),
    ),
    Entry(
        None, "acme.zendesk.com", "communication", "Ticket #{n}: {issue} - Zendesk", ("support",)
    ),
    Entry("Figma", None, "design", "{design} - Figma", ("designer", "marketing")),
    Entry(
        "Adobe Photoshop", None, "design", "{asset}.psd @ 66.7% (RGB/8)", ("designer", "marketing")
    ),
    Entry("Adobe Illustrator", None, "design", "{asset}.ai @ 150% (CMYK/Preview)", ("designer",)),
    Entry(None, "dribbble.com", "design", "{topic} designs on Dribbble", ("designer",)),
    Entry("Slack", None, "communication", "#{channel} - Acme - Slack"),
    Entry("Microsoft Outlook", None, "communication", "Inbox - {email} - Outlook"),
    Entry(None, "mail.google.com", "communication", "Inbox ({n}) - {email} - Gmail"),
    Entry("Zoom", None, "meetings", "{meeting} - Zoom Meeting"),
    Entry("Microsoft Teams", None, "meetings", "{meeting} | Microsoft Teams"),
    Entry(None, "meet.google.com", "meetings", "Meet - {meeting}"),
    Entry(None, "news.ycombinator.com", "browsing", "Hacker News"),
    Entry(None, "en.wikipedia.org", "browsing", "{topic} - Wikipedia"),
    Entry(None, "www.google.com", "browsing", "{topic} - Google Search"),
    Entry(None, "www.bbc.co.uk", "browsing", "{headline} - BBC News"),
    Entry(None, "www.youtube.com", "entertainment", "{video} - YouTube"),
    Entry("Spotify", None, "entertainment", "{song}"),
    Entry(None, "www.netflix.com", "entertainment", "Netflix"),
    Entry(None, "www.linkedin.com", "social", "Feed | LinkedIn"),
    Entry(None, "x.com", "social", "Home / X"),
    Entry(None, "www.reddit.com", "social", "r/{subreddit}"),
)

# Share of spans per category, by persona (rows need not sum to one).
PERSONA_MIX: dict[str, tuple[float, ...]] = {
    #             dev   docs  design comm  meet  browse ent  social
    "developer": (46.0, 8.0, 1.0, 16.0, 5.0, 14.0, 5.0, 5.0),
    "analyst": (36.0, 20.0, 1.0, 15.0, 5.0, 14.0, 4.0, 5.0),
    "designer": (2.0, 10.0, 42.0, 16.0, 6.0, 13.0, 6.0, 5.0),
    "sales": (0.0, 28.0, 0.0, 30.0, 10.0, 16.0, 4.0, 12.0),
    "support": (2.0, 14.0, 0.0, 52.0, 4.0, 18.0, 4.0, 6.0),
    "marketing": (0.0, 26.0, 14.0, 22.0, 7.0, 15.0, 4.0, 12.0),
    "finance": (0.0, 52.0, 0.0, 22.0, 6.0, 12.0, 4.0, 4.0),
    "people": (0.0, 36.0, 0.0, 36.0, 10.0, 10.0, 4.0, 4.0),
}
PERSONAS = tuple(PERSONA_MIX)

BROWSERS = {
    "linux": ("Firefox", "Google Chrome"),
    "macos": ("Safari", "Google Chrome"),
    "windows": ("Microsoft Edge", "Google Chrome"),
}


def entry_probabilities(persona: str) -> np.ndarray:
    """Probability of each catalogue entry for a span of someone with ``persona``."""
    mix = dict(zip(CATEGORIES, PERSONA_MIX[persona], strict=True))
    usable = np.array([not e.personas or persona in e.personas for e in CATALOGUE])
    favoured = np.array([persona in e.personas for e in CATALOGUE])
    weights = usable * np.where(favoured, 3.0, 1.0)
    category = np.array([CATEGORIES.index(e.category) for e in CATALOGUE])
    per_category = np.bincount(category, weights=weights, minlength=len(CATEGORIES))
    share = np.array([mix[c] for c in CATEGORIES])
    probabilities = np.divide(
        weights * share[category],
        per_category[category],
        out=np.zeros(len(CATALOGUE)),
        where=per_category[category] > 0,
    )
    normalised: np.ndarray = probabilities / probabilities.sum()
    return normalised


def entry_categories() -> np.ndarray:
    """Category index (into CATEGORIES) of every catalogue entry."""
    return np.array([CATEGORIES.index(e.category) for e in CATALOGUE], dtype=np.int64)


def usage_table(field: str) -> np.ndarray:
    """One ``Usage`` field for every category, in CATEGORIES order."""
    return np.array([getattr(USAGE[c], field) for c in CATEGORIES], dtype=np.float64)
