"""Which stored objects a purge may date: screenshot keys parsed strictly, the rest reported.

A screenshot object is dated by its key (``storage.objects.keys.screenshot_key``): its UTC
day folder. Anything under ``subjects/`` that is not exactly such a key (month 13, no date
folders, a junk name, a folder date that disagrees with the capture time) cannot be dated:
it is skipped by the day-folder logic, never crashes it, is listed for the report and the
audit, and is purged as expired by default, since nothing proves it may be kept (people on
legal hold excepted, as for everything else). The service never issues such keys (issue 19);
they come from older versions, hand-made copies or a hostile device's direct writes.

A stored export (``storage.exports``) is dated by its key's production time and kept while
its request exists, is completed and belongs to the same person, and for no longer than the
export's life (the caller's ``export_cutoff``: an export copies the person's screenshots and
titles, so it may not outlive them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from storage.db.schema import people, rights_requests
from storage.errors import InvalidObjectKey
from storage.objects import ObjectStore
from storage.objects.keys import export_key, screenshot_key

SUBJECTS = "subjects/"  # every person's objects (screenshots), by pseudonym
ERASED = "erased_people"  # the category of rows and objects left behind for erased people
_SHOT_RE = re.compile(
    r"(subjects/(s_[0-9a-f]{16})/screenshots/(\d{4})/(\d{2})/(\d{2})/)(\d+)-d(\d+)\.tqe"
)
_EXPORT_RE = re.compile(r"subjects/(s_[0-9a-f]{16})/exports/request-(\d+)/(\d+)\.tqe")
_OWNER_RE = re.compile(r"subjects/(s_[0-9a-f]{16})/")


def parse_screenshot_key(key: str) -> tuple[str, str, date] | None:
    """(day folder prefix, pseudonym, UTC day) of a key ``screenshot_key`` built; else None."""
    match = _SHOT_RE.fullmatch(key)
    if match is None:
        return None
    prefix, pseudonym, year, month, day, taken_at, device = match.groups()
    try:
        dated = date(int(year), int(month), int(day))
        built = screenshot_key(pseudonym, int(taken_at), int(device))
    except (InvalidObjectKey, ValueError, OverflowError, OSError):
        return None  # month 13, day 45, a capture time no date can hold
    # Only the exact key the service would build: leading zeros or a folder date other than
    # the capture time's would otherwise date the object by a folder a device chose.
    return (prefix, pseudonym, dated) if built == key else None


def parse_export_key(key: str) -> tuple[str, int, date] | None:
    """(pseudonym, request id, UTC production day) of a key ``export_key`` built; else None."""
    match = _EXPORT_RE.fullmatch(key)
    if match is None:
        return None
    pseudonym, request_id, produced_at = match.groups()
    try:
        built = export_key(pseudonym, int(request_id), int(produced_at))
        day = datetime.fromtimestamp(int(produced_at), UTC).date()
    except (InvalidObjectKey, ValueError, OverflowError, OSError):
        return None
    return (pseudonym, int(request_id), day) if built == key else None


def owner(key: str) -> str | None:
    """The pseudonym a key under ``subjects/`` names, if its second segment is one."""
    match = _OWNER_RE.match(key)
    return match.group(1) if match else None


@dataclass
class SubjectObjects:
    """Day folders of screenshots (prefix -> pseudonym, day) and the keys no rule dates."""

    days: dict[str, tuple[str, date]] = field(default_factory=dict)
    exports: dict[str, tuple[str, int, date]] = field(default_factory=dict)  # key -> parsed
    unparsable: list[str] = field(default_factory=list)  # sorted, each once


def scan_subject_objects(objects: ObjectStore) -> SubjectObjects:
    """Every key under ``subjects/`` (any version), sorted into day folders or unparsable."""
    found = SubjectObjects()
    odd: set[str] = set()
    for version in objects.list_versions(SUBJECTS):
        parsed = parse_screenshot_key(version.key)
        export = parse_export_key(version.key) if parsed is None else None
        if parsed is not None:
            found.days.setdefault(parsed[0], (parsed[1], parsed[2]))
        elif export is not None:
            found.exports[version.key] = export
        else:
            odd.add(version.key)
    found.unparsable = sorted(odd)
    return found


def pseudonyms(engine: Engine) -> tuple[set[str], set[str]]:
    """(every pseudonym, pseudonyms of people on legal hold)."""
    with engine.connect() as connection:
        rows = connection.execute(select(people.c.pseudonym, people.c.legal_hold_reason)).all()
    return {r[0] for r in rows}, {r[0] for r in rows if r[1] is not None}


@dataclass
class ExpiredObjects:
    """What a purge removes: day folders by category, and unparsable keys (expired by default)."""

    prefixes: dict[str, list[str]]
    unparsable: list[str]  # every unparsable key, for the report
    unparsable_expired: list[str]  # those the purge deletes (not held, not in a purged folder)
    exports: list[str] = field(default_factory=list)  # stored exports past their life


def _answered(engine: Engine) -> dict[int, str]:
    """Completed request id -> the pseudonym of its (not erased) person."""
    r, p = rights_requests.c, people.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(r.id, p.pseudonym)
            .join(people, people.c.id == r.person_id)
            .where(r.state == "completed")
        ).all()
    return {int(i): str(pseudonym) for i, pseudonym in rows}


def expired_exports(
    engine: Engine, exports: dict[str, tuple[str, int, date]], held: set[str], cutoff: date
) -> list[str]:
    """Stored exports past their life (see module doc), people on legal hold excepted."""
    if not exports:
        return []
    answered = _answered(engine)
    return sorted(
        key
        for key, (pseudonym, request_id, day) in exports.items()
        if pseudonym not in held and (answered.get(request_id) != pseudonym or day < cutoff)
    )


def expired_objects(
    engine: Engine, objects: ObjectStore, cutoff: date, export_cutoff: date | None = None
) -> ExpiredObjects:
    """Day folders before ``cutoff`` (or of erased people), unparsable keys to delete, and
    exports past their life (produced before ``export_cutoff``, ``cutoff`` when not given)."""
    known, held = pseudonyms(engine)
    scan = scan_subject_objects(objects)
    prefixes: dict[str, list[str]] = {"screenshots": [], ERASED: []}
    for prefix, (pseudonym, day) in sorted(scan.days.items()):
        if pseudonym not in known:
            prefixes[ERASED].append(prefix)
        elif day < cutoff and pseudonym not in held:
            prefixes["screenshots"].append(prefix)
    # A key inside a day folder that is purged anyway goes with it: not deleted twice.
    purged = tuple(p for found in prefixes.values() for p in found)
    expired = [k for k in scan.unparsable if owner(k) not in held and not k.startswith(purged)]
    exports = expired_exports(engine, scan.exports, held, export_cutoff or cutoff)
    return ExpiredObjects(prefixes, scan.unparsable, expired, exports)


def count_key_versions(objects: ObjectStore, keys: Iterable[str]) -> int:
    """How many versions (and delete markers) of exactly these keys exist."""
    return sum(1 for key in keys for v in objects.list_versions(key) if v.key == key)


def delete_keys(objects: ObjectStore, keys: Iterable[str]) -> int:
    """Delete each key with every version; return how many versions went."""
    removed = 0
    for key in keys:
        removed += count_key_versions(objects, [key])
        objects.delete(key)
    return removed
