"""Window titles: each person gets a few titles per catalogue entry, filled from a vocabulary.

Titles are personal data (they are sealed before they are stored); the words here are
invented and deliberately avoid anything a privacy filter would drop or redact.
"""

from __future__ import annotations

import string

import numpy as np

from traq.demo.apps import CATALOGUE

TITLES_PER_ENTRY = 5

# "|"-separated so that the lists stay compact under the formatter.
_WORDS = {
    "file": "main.py|models.py|api.ts|index.tsx|Dockerfile|README.md|schema.sql|handlers.go|"
    "utils.rs|settings.yaml|test_views.py",
    "repo": "billing|web-app|ingest|platform|mobile-ios|design-system|data-pipeline|"
    "auth-service|infra",
    "user": "dev|build|ops",
    "host": "laptop|devbox|ci-runner",
    "notebook": "churn_model|weekly_kpis|cohorts|forecast_q3|ab_test_review",
    "table": "orders|customers|events_2026|invoices|sessions",
    "question": "How to merge two dicts in Python|Rust borrow checker in closures|"
    "CSS grid vs flexbox|PostgreSQL upsert returning|Git rebase interactive squash",
    "ticket": "PLAT-1042|WEB-387|ING-77|MOB-512|DATA-230|OPS-91",
    "task": "Fix flaky login test|Add export endpoint|Upgrade dependencies|"
    "Improve onboarding flow|Cache invalidation bug",
    "doc": "Quarterly plan|Onboarding guide|Release notes|Team offsite agenda|Pricing proposal|"
    "Retrospective|Hiring plan|Product brief",
    "sheet": "Budget 2026|Pipeline forecast|Expenses|Headcount|Campaign ROI",
    "company": "Globex|Initech|Umbrella Corp|Stark Industries|Wayne Enterprises",
    "issue": "Cannot reset password|Invoice question|Export is slow|"
    "Feature request: dark mode|Login loop on mobile",
    "design": "Checkout redesign|Mobile app v3|Marketing site|Icon set|Dashboard concepts",
    "asset": "hero-banner|logo-refresh|social-card|app-icon|poster-a3",
    "topic": "Typography|Onboarding|Time zone|Unit testing|Cold brew|Remote work|"
    "Data visualization|Design tokens",
    "channel": "general|engineering|random|sales-wins|support-escalations|design-crit|"
    "incidents|announcements",
    "email": "me@acme.example",
    "meeting": "Daily stand-up|Sprint planning|1:1|Design review|All hands|Customer call|"
    "Pipeline review|Interview",
    "headline": "Markets close higher|New rail line opens|Local team wins final|Heatwave expected",
    "video": "Lo-fi beats to work to|Conference keynote|How rockets land|"
    "Cooking pasta the right way",
    "song": "Midnight City • M83|Clair de lune • Debussy|Teardrop • Massive Attack|Intro • The xx",
    "subreddit": "programming|design|sales|personalfinance|AskHistorians",
}
VOCABULARY: dict[str, tuple[str, ...]] = {k: tuple(v.split("|")) for k, v in _WORDS.items()}
_FIELDS = [
    [name for _, name, _, _ in string.Formatter().parse(entry.title) if name] for entry in CATALOGUE
]


def person_titles(rng: np.random.Generator) -> list[list[str]]:
    """``TITLES_PER_ENTRY`` titles for every catalogue entry, for one person."""
    return [
        [_fill(entry.title, fields, rng) for _ in range(TITLES_PER_ENTRY)]
        for entry, fields in zip(CATALOGUE, _FIELDS, strict=True)
    ]


def _fill(template: str, fields: list[str], rng: np.random.Generator) -> str:
    values: dict[str, str] = {}
    for name in fields:
        if name == "n":
            values[name] = str(int(rng.integers(2, 4000)))
        else:
            words = VOCABULARY[name]
            values[name] = words[int(rng.integers(len(words)))]
    return template.format(**values)
