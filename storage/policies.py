"""Organisation policies (what is collected, how often, how long it is kept), in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from storage.db.bulk import bulk_insert
from storage.db.schema import policies

MIN_K = 3  # the privacy guard never releases a group smaller than this, whatever the policy
LONGEST_SECONDS = 86_400  # a day: any interval or threshold longer is a typing slip

DEFAULT_POLICIES: dict[str, Any] = {
    "k_anonymity": 5,
    "idle_threshold_seconds": 300,
    "screenshot_interval_seconds": 600,
    "screenshot_jitter_seconds": 120,
    "screenshot_blur": False,
    "store_window_titles": True,
    # Whose deadlines rights requests follow when a person has no jurisdiction of their own.
    "default_jurisdiction": "GDPR",
    # A person who left is erased this many days after leaving (a legal hold still wins).
    "post_employment_days": 90,
    # What the ingestion service accepts around its own clock (ingest/window.py): a device
    # offline longer than this sets its older rows aside; a clock far ahead is refused.
    "ingest_window_back_days": 7,
    "ingest_window_ahead_minutes": 5,
    # How far a device's clock may be from the service's (ingest/clock.py): a clock further
    # off is refused; a request that does not say its clock is judged as if off by this much.
    "ingest_clock_max_skew_minutes": 60,
    "retention_days": {
        "screenshots": 30,
        "window_titles": 90,
        "activity_minutes": 365,
        "rollups": 730,
        "rights_requests": 2190,
        "audit_log": 2190,
    },
    # Productive / neutral / unproductive by category; teams may override (by team name).
    "category_ratings": {
        "default": {
            "development": "productive",
            "documents": "productive",
            "design": "productive",
            "communication": "neutral",
            "meetings": "neutral",
            "browsing": "neutral",
            "entertainment": "unproductive",
            "social": "unproductive",
        },
    },
    # Lifetime differential-privacy budget (epsilon) per analyst, spent by noised releases.
    "dp_epsilon_budget": 10.0,
    # Published statistics (analytics.publication): a closed local day is published once,
    # ``grace_hours`` after it ended everywhere; a team below k folds into the team named in
    # ``fold`` (team name -> team name), else the next team by name.
    "publication": {"grace_hours": 48, "fold": {}},
    # Application or site name -> category; anything unlisted is "uncategorised".
    "app_categories": {
        name: category
        for category, names in {
            "development": "Visual Studio Code, PyCharm, IntelliJ IDEA, Terminal, iTerm2, "
            "JupyterLab, DBeaver, github.com, gitlab.com, stackoverflow.com, acme.atlassian.net",
            "documents": "Microsoft Word, Microsoft Excel, Microsoft PowerPoint, LibreOffice, "
            "Adobe Acrobat, docs.google.com, notion.so, acme.lightning.force.com",
            "design": "Figma, Adobe Photoshop, Adobe Illustrator, Sketch, dribbble.com",
            "communication": "Slack, Microsoft Outlook, Thunderbird, mail.google.com, "
            "acme.zendesk.com",
            "meetings": "Zoom, Microsoft Teams, meet.google.com",
            "browsing": "Firefox, Google Chrome, Chromium, Safari, Microsoft Edge, Brave, "
            "news.ycombinator.com, en.wikipedia.org, www.google.com, www.bbc.co.uk",
            "entertainment": "Spotify, www.youtube.com, www.netflix.com",
            "social": "www.linkedin.com, x.com, www.reddit.com",
        }.items()
        for name in names.split(", ")
    },
    # Who is responsible (GDPR Art. 30(1)(a)): named in the record of processing and the
    # published policy. Empty until an admin fills them in on the Policies page.
    "controller": {"name": "", "contact": ""},
    "data_protection_officer": {"name": "", "contact": ""},
    "privacy_filters": [
        {"match": "title", "pattern": "(?i)private browsing|incognito", "action": "drop"},
        {"match": "title", "pattern": "(?i)bank|health|medical", "action": "redact"},
    ],
}


PARTIES = ("controller", "data_protection_officer")
# The laws whose request deadlines TraqNext knows (services.rights.deadlines.LAWS).
JURISDICTIONS = ("GDPR", "UK GDPR", "FADP", "PIPEDA", "CCPA")
MAX_PARTY_FIELD = 300


def _validate_party(name: str, value: dict[str, Any]) -> None:
    if set(value) != {"name", "contact"}:
        raise ValueError(f"policy {name} needs exactly a name and a contact")
    for key, text in value.items():
        if not isinstance(text, str) or len(text) > MAX_PARTY_FIELD or "\n" in text:
            raise ValueError(f"{name}.{key} must be one line of text (up to {MAX_PARTY_FIELD})")


def validate_policy(name: str, value: Any) -> None:
    """Raise ValueError if ``value`` is not acceptable for policy ``name``."""
    if name not in DEFAULT_POLICIES:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(sorted(DEFAULT_POLICIES))}")
    expected = type(DEFAULT_POLICIES[name])
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"policy {name} must be {expected.__name__}, got {type(value).__name__}")
    if name in PARTIES:
        _validate_party(name, value)
    if name == "default_jurisdiction" and value not in JURISDICTIONS:
        raise ValueError(f"default_jurisdiction must be one of {', '.join(JURISDICTIONS)}")
    if name == "k_anonymity" and value < MIN_K:
        raise ValueError(f"k_anonymity must be at least {MIN_K}, got {value}")
    if name == "ingest_clock_max_skew_minutes" and not 0 < value <= 24 * 60:
        raise ValueError(f"{name} must be 1-1440 minutes, got {value}")
    if name.startswith("ingest_window_") and not 0 < value <= 3650 * 24 * 60:
        raise ValueError(f"{name} must be positive (and under ten years), got {value}")
    if (name.endswith("_seconds") or name == "post_employment_days") and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    if name.endswith("_seconds") and value > LONGEST_SECONDS:
        raise ValueError(f"{name} must be at most {LONGEST_SECONDS} (24 hours), got {value}")


def seed_default_policies(connection: Connection, now: datetime) -> int:
    """Insert any policy not yet set, with its default; return how many were added."""
    rows = [(name, value, now, "traq init") for name, value in DEFAULT_POLICIES.items()]
    return bulk_insert(
        connection,
        policies,
        ("name", "value", "updated_at", "updated_by"),
        rows,
        on_conflict="ignore",
    )


def load_policies(connection: Connection) -> dict[str, Any]:
    """Every policy, stored values over defaults."""
    stored = {row.name: row.value for row in connection.execute(select(policies))}
    return {**DEFAULT_POLICIES, **stored}


def set_policy(connection: Connection, name: str, value: Any, by: str, now: datetime) -> None:
    """Validate and store one policy value, recording who changed it."""
    validate_policy(name, value)
    connection.execute(policies.delete().where(policies.c.name == name))
    connection.execute(
        policies.insert().values(name=name, value=value, updated_at=now, updated_by=by)
    )
