"""Download file names that say what a file covers: report, unit, period, k and units, in
characters safe on every file system (``overview-totals_Platform_2026-03-01_2026-03-31_k5_
hours.csv``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")  # "_" is kept out: it separates the parts
TEAMS_MAX = 60  # a long list of teams is cut, never the period, k or units after it


def safe_part(text: str, limit: int = 120) -> str:
    """``text`` in ASCII letters, digits, "." and "-" ("Équipe R&D" -> "Equipe-R-D")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return UNSAFE.sub("-", ascii_text).strip("-.")[:limit].strip("-.")


def stem(parts: Iterable[str]) -> str:
    """The non-empty safe ``parts`` joined by "_" (a file name without its extension)."""
    return "_".join(p for p in (safe_part(part) for part in parts) if p)


def units_word(units: str) -> str:
    """The first word of a units description ("hours per person ..." -> "hours")."""
    return re.split(r"[\s;,]+", units.strip(), maxsplit=1)[0]


def about_stem(name: str, about: Mapping[str, str]) -> str:
    """``name``, then the teams, period, k and units of a download's ``about`` rows."""
    first, _, last = about.get("period", "").partition(" to ")
    k = about.get("k", "").split(" ", 1)[0]
    teams = safe_part(about.get("teams", "").replace(",", " "), TEAMS_MAX)
    units = units_word(about.get("units", ""))
    return stem([name, teams, first, last, f"k{k}" if k else "", units])
