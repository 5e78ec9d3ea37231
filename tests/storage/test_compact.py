"""After an erasure commits, the person's bytes leave the database files (attacker's scan).

The scans read what a copy of the files would show: SQLite's database, WAL and shared
memory files; every PostgreSQL page (heap, indexes, TOAST) including dead tuples and the
free space a vacuum leaves. Each test first proves its scan finds the person, so a scan that
silently read nothing could not pass.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from storage import audit
from storage.accounts import create_user
from storage.crypto.keys import create_master_key_file
from storage.db import schema
from storage.db.compact import compact
from storage.db.engine import open_engine
from storage.db.erase import erased_tables
from storage.db.migrate import upgrade_to_head
from storage.erasure import SETTLED_ACTION, erase_subject, settle_erasure
from storage.keystore import FileKeyStore
from storage.objects import LocalObjectStore
from storage.vault import KeyVault
from tests.fixtures.scan import encode, postgres_hits, sqlite_hits

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
NAME, EMAIL = "Ottilie Vexhammer", "ottilie.vexhammer@example.org"
USERNAME, PSEUDONYM = "ovexhammer", "s_5eed0000c0ffee42"


def _person(connection: Connection, team: int, index: int, name: str, email: str) -> int:
    result = connection.execute(
        insert(schema.people).values(
            pseudonym=f"s_{index:016x}" if index >= 0 else PSEUDONYM, display_name=name,
            email=email, timezone="UTC", team_id=team, created_at=NOW,
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])


def _populate(engine: Engine, vault: KeyVault) -> tuple[int, bytes]:
    """Forty colleagues, then the victim last (lowest address on a PostgreSQL page: the
    place a plain VACUUM leaves untouched), with an account, key, request and audit entry."""
    with engine.begin() as c:
        created = c.execute(insert(schema.teams).values(name="T", department="D"))
        team = int(created.inserted_primary_key[0])
        for i in range(40):
            pid = _person(c, team, i + 1, f"Colleague {i:02d}", f"c{i:02d}@example.org")
            vault.create_subject_key(c, pid, NOW)
            create_user(c, f"colleague{i:02d}", "employee", None, NOW, person_id=pid)
        victim = _person(c, team, -1, NAME, EMAIL)
        vault.create_subject_key(c, victim, NOW)
        account = create_user(c, USERNAME, "employee", None, NOW, person_id=victim)
        c.execute(
            insert(schema.rights_requests).values(
                person_id=victim, kind="erasure", state="approved", received_at=NOW, due_at=NOW,
                decision_reason=f"{NAME} asked by phone", details={"email": EMAIL},
            )
        )  # fmt: skip
        audit.append(
            c, audit.user_ref(account), "profile.viewed", audit.person_ref(victim),
            {"name": NAME, "pseudonym": PSEUDONYM}, NOW,
        )  # fmt: skip
        wrapped = c.execute(
            select(schema.subject_keys.c.wrapped_private).where(
                schema.subject_keys.c.person_id == victim
            )
        ).scalar_one()
    return victim, bytes(wrapped)


def _erase(engine: Engine, vault: KeyVault, objects: LocalObjectStore, victim: int) -> None:
    with engine.begin() as c:
        erase_subject(c, objects, vault, victim, actor="user:1", now=NOW)


def _installed(url: str, tmp_path: Path) -> tuple[Engine, KeyVault, int, bytes]:
    """A migrated database with the population above: (engine, vault, victim, wrapped key)."""
    engine = open_engine(url)
    upgrade_to_head(engine)
    key_file = tmp_path / "master.key"
    vault = KeyVault(engine, create_master_key_file(key_file), FileKeyStore(key_file))
    return engine, vault, *_populate(engine, vault)


def test_sqlite_erasure_leaves_no_byte_in_db_wal_or_shm(tmp_path: Path) -> None:
    database = tmp_path / "traq.db"
    engine, vault, victim, wrapped = _installed(f"sqlite:///{database}", tmp_path)
    needles = encode([NAME, EMAIL, USERNAME, PSEUDONYM, wrapped])
    assert len(sqlite_hits(database, needles)) >= len(needles)  # the scan sees the person

    _erase(engine, vault, LocalObjectStore(tmp_path / "objects"), victim)
    report = compact(engine, erased_tables())

    assert report.wal_truncated is True
    assert sqlite_hits(database, needles) == []
    assert (tmp_path / "traq.db-wal").stat().st_size == 0
    engine.dispose()


def test_every_sqlite_connection_runs_with_secure_delete(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'traq.db'}")
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    engine.dispose()


def test_postgres_erasure_leaves_no_byte_in_any_page(pg_database_dsn: str, tmp_path: Path) -> None:
    engine, vault, victim, wrapped = _installed(pg_database_dsn, tmp_path)
    needles = encode([NAME, EMAIL, USERNAME, PSEUDONYM, wrapped])
    assert len(postgres_hits(pg_database_dsn, needles)) >= len(needles)

    _erase(engine, vault, LocalObjectStore(tmp_path / "objects"), victim)
    dead = postgres_hits(pg_database_dsn, needles)
    assert dead, "a committed DELETE leaves dead tuples: the scan must see them before vacuum"
    report = compact(engine, erased_tables())

    assert postgres_hits(pg_database_dsn, needles) == []
    assert report.older_snapshots == 0
    assert {"people", "users", "subject_keys", "audit_log"} <= set(report.rewritten)
    assert "activity_minutes" in report.vacuumed
    engine.dispose()


def test_postgres_plain_vacuum_is_not_enough(pg_database_dsn: str, tmp_path: Path) -> None:
    """Why identity tables are rewritten: a plain VACUUM leaves the victim in the page's hole."""
    engine, vault, victim, _ = _installed(pg_database_dsn, tmp_path)
    _erase(engine, vault, LocalObjectStore(tmp_path / "objects"), victim)

    compact(engine, ["people"], rewrite=False)

    assert any(
        hit.startswith("people block") for hit in postgres_hits(pg_database_dsn, [NAME.encode()])
    )
    engine.dispose()


def test_settle_clears_copies_then_files_and_records_where(tmp_path: Path) -> None:
    database = tmp_path / "traq.db"
    engine, vault, victim, wrapped = _installed(f"sqlite:///{database}", tmp_path)
    with engine.begin() as c:
        report = erase_subject(
            c, LocalObjectStore(tmp_path / "o"), vault, victim, actor="user:1", now=NOW
        )
    steps: list[str] = []
    cleared = settle_erasure(
        engine, report, "user:1", NOW, {"lake": lambda: steps.append("lake") or {"months": 2}}
    )
    assert steps == ["lake"] and cleared["lake"] == {"months": 2}
    assert cleared["database"]["wal_truncated"] is True
    with engine.connect() as c:
        entry = c.execute(
            select(schema.audit_log).where(schema.audit_log.c.action == SETTLED_ACTION)
        ).one()
    assert entry.details["tombstone"] == report.tombstone_seq
    assert entry.details["database"]["backend"] == "sqlite"
    assert sqlite_hits(database, encode([NAME, EMAIL, USERNAME, PSEUDONYM, wrapped])) == []
    assert audit.verify(engine).ok
    engine.dispose()
