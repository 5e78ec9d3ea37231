"""The audit log: hash chain, tamper detection, and erasure that keeps the chain verifying."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from storage import audit
from storage.db.schema import audit_log

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _fill(engine: Engine, n: int = 5) -> None:
    with engine.begin() as connection:
        for i in range(n):
            audit.append(
                connection,
                audit.user_ref(1),
                "request.viewed",
                audit.person_ref(10 + i % 2),
                {"request": i},
                T0 + timedelta(minutes=i),
            )


def _reasons(engine: Engine) -> dict[int, list[str]]:
    result = audit.verify(engine)
    found: dict[int, list[str]] = {}
    for problem in result.problems:
        found.setdefault(problem.seq, []).append(problem.reason)
    return found


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    _fill(engine)
    result = audit.verify(engine)
    assert result.ok and result.entries == 5 and result.redacted == 0
    assert len(result.head) == 64


def test_an_empty_log_verifies(engine: Engine) -> None:
    result = audit.verify(engine)
    assert result.ok and result.entries == 0 and result.head == audit.GENESIS


def test_editing_any_field_is_detected(engine: Engine) -> None:
    _fill(engine)
    edits = [
        {"details": {"request": 99}},
        {"actor": "user:2"},
        {"subject_ref": "person:99"},
        {"action": "request.approved"},
        {"at": T0 + timedelta(days=1)},
    ]
    for values in edits:
        with engine.begin() as connection:
            original = connection.execute(select(audit_log).where(audit_log.c.seq == 3)).one()
            connection.execute(update(audit_log).where(audit_log.c.seq == 3).values(**values))
        assert 3 in _reasons(engine), values
        with engine.begin() as connection:
            restore = {name: getattr(original, name) for name in values}
            connection.execute(update(audit_log).where(audit_log.c.seq == 3).values(**restore))
        assert audit.verify(engine).ok


def test_deleting_an_entry_is_detected(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == 2))
    problems = _reasons(engine)
    assert 3 in problems and any("removed" in r for r in problems[3])


def test_swapping_two_entries_is_detected(engine: Engine) -> None:
    _fill(engine)
    columns = [c for c in audit_log.c if c.name != "seq"]
    with engine.begin() as connection:
        a, b = (
            connection.execute(select(audit_log).where(audit_log.c.seq == s)).one() for s in (2, 4)
        )
        for target, source in ((2, b), (4, a)):
            values = {c.name: getattr(source, c.name) for c in columns}
            values["entry_hash"] = f"{target:064d}"  # unique while swapping
            connection.execute(update(audit_log).where(audit_log.c.seq == target).values(values))
        for target, source in ((2, b), (4, a)):
            connection.execute(
                update(audit_log)
                .where(audit_log.c.seq == target)
                .values(entry_hash=source.entry_hash)
            )
    problems = _reasons(engine)
    assert 2 in problems and 4 in problems


def test_recomputing_one_hash_after_an_edit_still_breaks_the_next_link(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        row = connection.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
        digests = dict(row.digests)
        digests["details"] = audit.field_digest(row.salts["details"], {"request": 42})
        forged = audit.entry_hash(2, row.at, row.action, row.prev_hash, digests)
        connection.execute(
            update(audit_log)
            .where(audit_log.c.seq == 2)
            .values(details={"request": 42}, digests=digests, entry_hash=forged)
        )
    assert list(_reasons(engine)) == [3]


def test_redaction_with_a_tombstone_keeps_verifying_without_the_subject(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        seqs = audit.redact_entries(connection, [audit.person_ref(10)])
        audit.append(
            connection, audit.SYSTEM, audit.TOMBSTONE_ACTION, None,
            {"redacted_entries": seqs}, T0 + timedelta(hours=1),
        )  # fmt: skip
    assert seqs == [1, 3, 5]
    result = audit.verify(engine)
    assert result.ok and result.redacted == 3
    with engine.connect() as connection:
        rows = connection.execute(select(audit_log).where(audit_log.c.seq.in_(seqs))).all()
    for row in rows:
        assert row.subject_ref is None and row.details == {}
        assert "subject_ref" not in row.salts and "details" not in row.salts
        # The digest can no longer be matched against a guessed id.
        assert all(
            audit.field_digest(salt, "person:10") != row.digests["subject_ref"]
            for salt in row.salts.values()
        )


def test_redaction_without_a_tombstone_is_reported(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as connection:
        audit.redact_entries(connection, [audit.person_ref(11)])
    assert set(_reasons(engine)) == {2, 4}


def test_an_actor_is_redacted_only_where_they_acted(engine: Engine) -> None:
    with engine.begin() as connection:
        audit.append(connection, "user:7", "export.downloaded", "person:3", {}, T0)
        audit.append(connection, "user:1", "request.viewed", "person:4", {"request": 1}, T0)
        seqs = audit.redact_entries(connection, ["user:7", "person:3"])
        audit.append(
            connection, audit.SYSTEM, audit.TOMBSTONE_ACTION, None, {"redacted_entries": seqs}, T0
        )
    with engine.connect() as connection:
        rows = connection.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    assert rows[0].actor == "[erased]" and rows[1].actor == "user:1"
    assert rows[1].subject_ref == "person:4"
    assert audit.verify(engine).ok


def test_canonical_json_is_independent_of_key_order() -> None:
    assert audit.canonical_json({"b": 1, "a": "é"}) == audit.canonical_json({"a": "é", "b": 1})
    assert audit.canonical_json({"a": "é"}) == '{"a":"é"}'.encode()
