"""Issue 19: object keys no rule can date never crash the purge or the audit.

They are skipped by the day-folder logic, reported (count and keys), and purged as expired
by default; a person on legal hold keeps them. Hypothesis throws arbitrary keys under a
person's prefix at both (folder object store and SQLite, for speed).
"""

from __future__ import annotations

import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine

from services.retention.audit import run_audit
from services.retention.purge import run_purge
from storage.db.migrate import upgrade_to_head
from storage.objects import LocalObjectStore, ObjectStore
from storage.objects.keys import screenshot_key
from storage.retention_objects import parse_screenshot_key
from tests.retention.test_objects import ALICE, AS_OF, BOB, DAYS, _at, _people

PREFIX = f"subjects/{ALICE}/"
SHOTS = f"{PREFIX}screenshots/"


@contextmanager
def _installation() -> Iterator[tuple[Engine, ObjectStore]]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'traq.db'}")
        upgrade_to_head(engine)
        _people(engine)  # ALICE, and BOB on legal hold
        try:
            yield engine, LocalObjectStore(Path(folder) / "objects")
        finally:
            engine.dispose()


def _screenshot_check(engine: Engine, objects: ObjectStore) -> tuple[bool, dict[str, object]]:
    report = run_audit(engine, objects, DAYS, AS_OF, [])
    (check,) = [c for c in report.checks if c.name.startswith("no expired or deleted screenshot")]
    return check.ok, check.evidence


def test_month_13_no_date_folders_and_junk_are_reported_and_purged() -> None:
    fresh = screenshot_key(ALICE, _at(2026, 3, 20), 1)
    expired = screenshot_key(ALICE, _at(2026, 2, 1), 1)
    odd = sorted(
        [
            f"{SHOTS}2026/13/45/x",
            f"{SHOTS}2026/13/45/1780000123-d1.tqe",
            f"{SHOTS}junk.tqe",
            f"{PREFIX}no-folders",
            f"{SHOTS}2026/03/20/junk",  # a real day folder, not a key the service builds
            f"{SHOTS}2026/03/20/{_at(2026, 2, 1)}-d1.tqe",  # a folder the time disagrees with
        ]
    )
    held = f"subjects/{BOB}/screenshots/0000/00/00/x"
    with _installation() as (engine, objects):
        for key in [fresh, expired, *odd, held]:
            objects.put(key, b"sealed")
        ok, evidence = _screenshot_check(engine, objects)
        assert not ok and evidence["unparsable_keys"] == len(odd) + 1
        assert evidence["unparsable_key_list"] == sorted([*odd, held])
        assert evidence["unparsable_expired_versions"] == len(odd)  # BOB is on legal hold
        dry = run_purge(engine, objects, DAYS, AS_OF, dry_run=True)
        report = run_purge(engine, objects, DAYS, AS_OF)
        assert dry.counts == report.counts
        assert report.counts["screenshots"]["unparsable object versions"] == len(odd)
        assert report.as_dict()["unparsable_keys"] == {"count": 7, "keys": sorted([*odd, held])}
        assert set(objects.list_keys("subjects/")) == {fresh, held}
        ok, evidence = _screenshot_check(engine, objects)
        assert ok and evidence["unparsable_key_list"] == [held]


_SEGMENT = st.text(string.ascii_letters + string.digits + "._=-", min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..")
)
_DATED = st.builds(
    lambda y, m, d, t, dev, name: (
        f"screenshots/{y:04d}/{m:02d}/{d:02d}/" + (f"{t}-d{dev}.tqe" if name is None else name)
    ),
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 10**20),
    st.integers(0, 10**6),
    st.none() | _SEGMENT,
)
_REAL = st.builds(
    lambda t, dev: screenshot_key(ALICE, t, dev)[len(PREFIX) :],
    st.integers(_at(2026, 1, 1), _at(2026, 4, 30)),
    st.integers(0, 9),
)
_TAILS = st.lists(_SEGMENT, min_size=1, max_size=6).map("/".join) | _DATED | _REAL


def _no_path_clashes(keys: list[str]) -> list[str]:
    """Drop keys a folder store cannot hold beside others (a file where a folder is)."""
    kept: list[str] = []
    for key in sorted(set(keys)):
        if not any(key.startswith(k + "/") or k.startswith(key + "/") for k in kept):
            kept.append(key)
    return kept


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_TAILS, min_size=1, max_size=8))
def test_any_key_under_a_person_neither_crashes_purge_nor_audit(tails: list[str]) -> None:
    keys = [k for k in _no_path_clashes([PREFIX + t for t in tails]) if len(k) <= 512]
    cutoff = date(2026, 3, 2)  # AS_OF minus the screenshots' 30 days
    unparsable = sorted(k for k in keys if parse_screenshot_key(k) is None)
    with _installation() as (engine, objects):
        for key in keys:
            objects.put(key, b"sealed")
        _, evidence = _screenshot_check(engine, objects)
        assert evidence["unparsable_keys"] == len(unparsable)
        assert evidence["unparsable_key_list"] == unparsable
        report = run_purge(engine, objects, DAYS, AS_OF)
        assert report.unparsable_keys == unparsable
        left = set(objects.list_keys("subjects/"))
        for key in left:  # only keys the service builds, dated on or after the cutoff
            parsed = parse_screenshot_key(key)
            assert parsed is not None and parsed[2] >= cutoff, key
        assert left == {k for k in keys if (p := parse_screenshot_key(k)) and p[2] >= cutoff}
        ok, evidence = _screenshot_check(engine, objects)
        assert ok and evidence["unparsable_keys"] == 0


def test_the_scan_dates_only_keys_the_service_builds() -> None:
    key = screenshot_key(ALICE, _at(2026, 3, 20), 7)
    assert parse_screenshot_key(key) == (key.rsplit("/", 1)[0] + "/", ALICE, date(2026, 3, 20))
    padded = key.replace(f"/{_at(2026, 3, 20)}-", f"/0{_at(2026, 3, 20)}-")
    assert parse_screenshot_key(padded) is None
    assert parse_screenshot_key(f"{SHOTS}9999/12/31/{10**19}-d1.tqe") is None
