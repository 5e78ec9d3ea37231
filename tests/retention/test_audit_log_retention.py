"""The audit log loses its expired prefix, still verifies from its anchor, and still detects
tampering afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select, update

from storage import audit
from storage.audit_purge import purge_audit_log
from storage.db.schema import audit_anchor, audit_log

OLD, NEW = datetime(2019, 6, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
CUTOFF = datetime(2020, 4, 1, tzinfo=UTC)  # six years before 2026-04-01
NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _log(engine: Engine, times: list[datetime]) -> None:
    with engine.begin() as c:
        for i, at in enumerate(times):
            audit.append(c, "user:1", "request.filed", "person:7", {"request": i}, at)


def _seqs(engine: Engine) -> list[int]:
    with engine.connect() as c:
        return list(c.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())


def test_purge_keeps_a_verifiable_chain(engine: Engine) -> None:
    _log(engine, [OLD, OLD, OLD, NEW, NEW])
    assert purge_audit_log(engine, CUTOFF, batch_size=2, now=NOW) == 3
    assert _seqs(engine)[:2] == [4, 5]  # then the purge's own records, one per batch
    result = audit.verify(engine)
    assert result.ok, result.problems
    with engine.connect() as c:
        assert c.execute(select(audit_anchor.c.seq)).scalar_one() == 3
    assert purge_audit_log(engine, CUTOFF, batch_size=2, now=NOW) == 0  # idempotent
    _log(engine, [NOW])  # appending continues the chain
    assert audit.verify(engine).ok


def test_a_fully_purged_log_continues_from_its_anchor(engine: Engine) -> None:
    _log(engine, [OLD, OLD])
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert purge_audit_log(engine, later, batch_size=10, now=NOW) == 2
    assert purge_audit_log(engine, later, batch_size=10, now=NOW) == 1  # its own record
    assert _seqs(engine) == [4]  # the second purge's record, chained to the anchor
    result = audit.verify(engine)
    assert result.ok and result.entries == 1, result.problems


def test_tampering_after_a_purge_is_detected(engine: Engine) -> None:
    _log(engine, [OLD, OLD, NEW, NEW, NEW])
    purge_audit_log(engine, CUTOFF, batch_size=100, now=NOW)
    with engine.begin() as c:  # an edited entry
        c.execute(update(audit_log).where(audit_log.c.seq == 4).values(action="x"))
    assert [p.seq for p in audit.verify(engine).problems] == [4]
    with engine.begin() as c:
        c.execute(update(audit_log).where(audit_log.c.seq == 4).values(action="request.filed"))
        c.execute(delete(audit_log).where(audit_log.c.seq == 3))  # an unexpired entry removed
    assert not audit.verify(engine).ok


def test_a_moved_anchor_is_detected(engine: Engine) -> None:
    _log(engine, [OLD, NEW, NEW, NEW])
    purge_audit_log(engine, CUTOFF, batch_size=100, now=NOW)
    with engine.begin() as c:  # hide entry 2 and move the anchor over it, chain intact
        row = c.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
        c.execute(delete(audit_log).where(audit_log.c.seq == 2))
        c.execute(update(audit_anchor).values(seq=2, entry_hash=row.entry_hash))
    problems = audit.verify(engine).problems
    assert [p.reason for p in problems] == ["anchor differs from the one the last purge recorded"]


def test_an_anchor_no_purge_recorded_is_detected(engine: Engine) -> None:
    _log(engine, [NEW, NEW, NEW])
    with engine.begin() as c:  # delete the chain's start and plant an anchor over it
        row = c.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
        c.execute(delete(audit_log).where(audit_log.c.seq <= 2))
        c.execute(
            audit_anchor.insert().values(
                id=1, seq=2, entry_hash=row.entry_hash, at=row.at, purged_at=NOW
            )
        )
    problems = audit.verify(engine).problems
    assert [p.reason for p in problems] == [
        "anchor not recorded by any purge entry (entries removed)"
    ]
