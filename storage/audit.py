"""The audit log: append-only, hash-chained, and erasable without breaking the chain.

Each entry's hash covers its sequence number, time, action, the previous entry's hash and a
*digest* of each personal field (actor, subject_ref, details) rather than the field itself::

    digest(field)  = SHA-256(salt_field || canonical_json(value))      salt: 16 random bytes
    entry_hash     = SHA-256(canonical_json({v, seq, at, action, prev, digests}))

Verification recomputes every digest from its salt and value and every hash from the one
before, so a changed, removed, inserted or reordered entry breaks the chain at that point.

Erasure (issue 6) redacts the personal fields of the entries about a person: the value is
replaced by a fixed marker and its salt is deleted. The stored digest still chains, but it
can no longer be matched against a guessed id (the salt is gone), so the entry keeps
verifying without holding any personal data. A redacted field is accepted only when a later
``subject.erased`` tombstone lists the entry, so redaction cannot silently hide an edit.
Removing the newest entries is the one change a chain cannot see by itself: anchor ``head``
(printed by ``traq audit verify``) somewhere else to detect that.

Retention (issue 7) removes the oldest entries, always a whole prefix of the chain
(``storage.audit_purge``): the sequence number and hash of the last one removed are kept in
``audit_anchor``, verification starts from there instead of the genesis, and the purge
appends an ``audit_log.purged`` entry naming that anchor, so a moved anchor is detected too.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update

from storage.db.schema import audit_anchor, audit_log

GENESIS = "0" * 64
FORMAT_VERSION = 1
PERSONAL_FIELDS = ("actor", "subject_ref", "details")
REDACTED: dict[str, Any] = {"actor": "[erased]", "subject_ref": None, "details": {}}
TOMBSTONE_ACTION = "subject.erased"
PURGE_ACTION = "audit_log.purged"
SYSTEM = "system"
ORIGIN = "traq.audit_origin"  # key in Connection.info: who ran the command (``recorded_origin``)


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def field_digest(salt_hex: str, value: Any) -> str:
    """The salted digest of one personal field's value."""
    return hashlib.sha256(bytes.fromhex(salt_hex) + canonical_json(value)).hexdigest()


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("audit times must be timezone-aware (UTC)")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(seq: int, at: datetime, action: str, prev: str, digests: Mapping[str, str]) -> str:
    """The hash chaining one entry to the previous one."""
    body = {
        "v": FORMAT_VERSION,
        "seq": seq,
        "at": _timestamp(at),
        "action": action,
        "prev": prev,
        "digests": {name: digests.get(name) for name in PERSONAL_FIELDS},
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def person_ref(person_id: int) -> str:
    """The subject reference of a person in the log."""
    return f"person:{person_id}"


def user_ref(user_id: int) -> str:
    """The actor reference of an account in the log."""
    return f"user:{user_id}"


def anchor(connection: Connection) -> tuple[int, str]:
    """(seq, hash) the chain starts after: the last purged entry, or (0, GENESIS)."""
    row = connection.execute(select(audit_anchor.c.seq, audit_anchor.c.entry_hash)).first()
    return (0, GENESIS) if row is None else (int(row.seq), str(row.entry_hash))


def _head(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    # An empty log after a purge of every entry continues from the anchor, not the genesis.
    return anchor(connection) if row is None else (int(row.seq), str(row.entry_hash))


def append(
    connection: Connection,
    actor: str,
    action: str,
    subject_ref: str | None,
    details: Mapping[str, Any] | None,
    now: datetime,
) -> int:
    """Append one entry in the caller's transaction; return its sequence number.

    ``details`` must hold no captured content and no names: ids, kinds, states and counts.
    The sequence number is explicit, so two writers racing for the same head collide on the
    primary key instead of forking the chain.
    """
    if not actor or not action:
        raise ValueError("an audit entry needs an actor and an action")
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))
    at = now.astimezone(UTC)
    values: dict[str, Any] = {
        "actor": actor,
        "subject_ref": subject_ref,
        "details": dict(details or {}),
    }
    if ORIGIN in connection.info:  # the OS account that ran the command, beside the actor
        values["details"]["via"] = dict(connection.info[ORIGIN])
    canonical_json(values["details"])  # refuse what cannot be hashed before writing anything
    salts = {name: secrets.token_hex(16) for name in PERSONAL_FIELDS}
    digests = {name: field_digest(salts[name], values[name]) for name in PERSONAL_FIELDS}
    last_seq, prev = _head(connection)
    seq = last_seq + 1
    connection.execute(
        insert(audit_log).values(
            seq=seq,
            at=at,
            action=action,
            prev_hash=prev,
            entry_hash=entry_hash(seq, at, action, prev, digests),
            salts=salts,
            digests=digests,
            **values,
        )
    )
    return seq


@contextmanager
def recorded_origin(connection: Connection, origin: Mapping[str, Any]) -> Iterator[None]:
    """Within the block, every entry appended on ``connection`` records ``origin`` as ``via``.

    The command line names its acting account with ``--as``; ``origin`` says which operating-
    system account actually ran it (``storage.os_accounts.check_owner``), so the log never
    rests on a claim alone. ``Connection.info`` outlives the connection in the pool, so the
    origin is removed when the block ends.
    """
    connection.info[ORIGIN] = dict(origin)
    try:
        yield
    finally:
        connection.info.pop(ORIGIN, None)


def redact_entries(connection: Connection, refs: Iterable[str]) -> list[int]:
    """Redact every entry whose actor or subject is one of ``refs``; return their seqs.

    The subject's entries lose subject, actor-if-theirs and details; an entry they only acted
    in (as a signed-in account) loses the actor. The caller must then append a tombstone
    listing the returned seqs (see ``erasure``), in the same transaction.
    """
    wanted = set(refs)
    if not wanted:
        return []
    rows = connection.execute(
        select(audit_log.c.seq, audit_log.c.actor, audit_log.c.subject_ref, audit_log.c.salts)
        .where(audit_log.c.subject_ref.in_(wanted) | audit_log.c.actor.in_(wanted))
        .order_by(audit_log.c.seq)
    ).all()
    for row in rows:
        names = ["actor"] if row.actor in wanted else []
        if row.subject_ref in wanted:
            names += ["subject_ref", "details"]
        salts = {k: v for k, v in dict(row.salts).items() if k not in names}
        connection.execute(
            update(audit_log)
            .where(audit_log.c.seq == row.seq)
            .values(salts=salts, **{name: REDACTED[name] for name in names})
        )
    return [int(row.seq) for row in rows]


@dataclass(frozen=True)
class Problem:
    """One place where the chain does not verify."""

    seq: int
    reason: str


@dataclass(frozen=True)
class VerificationResult:
    """The outcome of checking the whole chain."""

    entries: int
    head: str
    redacted: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every entry verified."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """A stable JSON form for `traq audit verify --json`."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": self.head,
            "redacted": self.redacted,
            "problems": [{"seq": p.seq, "reason": p.reason} for p in self.problems],
        }


def _field_problems(row: Any) -> tuple[list[str], bool]:
    salts = row.salts if isinstance(row.salts, dict) else {}
    digests = row.digests if isinstance(row.digests, dict) else {}
    reasons: list[str] = []
    redacted = False
    for name in PERSONAL_FIELDS:
        value = getattr(row, name)
        if name not in digests:
            reasons.append(f"{name} has no digest")
        elif name in salts:
            if field_digest(salts[name], value) != digests[name]:
                reasons.append(f"{name} was changed")
        elif value != REDACTED[name]:
            reasons.append(f"{name} has no salt but is not redacted")
        else:
            redacted = True
    return reasons, redacted


def _check_entry(row: Any, expected_seq: int, prev: str) -> tuple[list[str], bool]:
    reasons, redacted = _field_problems(row)
    if row.seq != expected_seq:
        reasons.append(f"expected entry {expected_seq} here (removed or reordered entries)")
    if row.prev_hash != prev:
        reasons.append("does not chain to the previous entry (removed or reordered entries)")
    digests = row.digests if isinstance(row.digests, dict) else {}
    if row.entry_hash != entry_hash(row.seq, row.at, row.action, row.prev_hash, digests):
        reasons.append("entry hash does not match its content (edited)")
    return reasons, redacted


def _rows(engine: Engine, start: list[tuple[int, str]], batch: int = 5000) -> Iterator[Any]:
    """Every entry in order; ``start`` receives the anchor, read in the same snapshot."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # anchor and rows from one snapshot
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            start.append(anchor(connection))
            result = connection.execution_options(yield_per=batch).execute(
                select(audit_log).order_by(audit_log.c.seq)
            )
            yield from result


def _purge_anchor(details: dict[str, Any]) -> tuple[int, str]:
    return int(details.get("through_seq", -1)), str(details.get("through_hash"))


def _anchor_problem(start: tuple[int, str], confirmed: tuple[int, str] | None) -> list[Problem]:
    """The newest purge entry must name the anchor verification started from.

    A purge always appends that entry after moving the anchor, so an anchor with no purge
    entry naming it was planted: someone deleted the chain's start and hid it behind one.
    """
    if start[0] == 0 or confirmed == start:
        return []
    if confirmed is None:
        return [Problem(start[0], "anchor not recorded by any purge entry (entries removed)")]
    return [Problem(start[0], "anchor differs from the one the last purge recorded")]


def verify(engine: Engine) -> VerificationResult:
    """Check every entry, in order; list each problem found (empty when intact)."""
    problems: list[Problem] = []
    start: list[tuple[int, str]] = []
    prev, expected, count = GENESIS, 1, 0
    redacted_seqs: list[int] = []
    covered: set[int] = set()
    confirmed: tuple[int, str] | None = None
    for row in _rows(engine, start):
        if count == 0:
            expected, prev = start[0][0] + 1, start[0][1]
        reasons, redacted = _check_entry(row, expected, prev)
        problems += [Problem(int(row.seq), reason) for reason in reasons]
        if redacted:
            redacted_seqs.append(int(row.seq))
        if row.action == TOMBSTONE_ACTION and isinstance(row.details, dict):
            covered.update(int(s) for s in row.details.get("redacted_entries", []) if s < row.seq)
        if row.action == PURGE_ACTION and isinstance(row.details, dict):
            confirmed = _purge_anchor(row.details)
        prev, expected, count = row.entry_hash, int(row.seq) + 1, count + 1
    if start:
        problems += _anchor_problem(start[0], confirmed)
        prev = prev if count else start[0][1]
    problems += [
        Problem(seq, "redacted without an erasure tombstone listing it")
        for seq in redacted_seqs
        if seq not in covered
    ]
    problems.sort(key=lambda p: p.seq)
    return VerificationResult(count, prev, len(redacted_seqs), problems)


def entries_about(connection: Connection, refs: Iterable[str]) -> list[dict[str, Any]]:
    """The entries whose subject or actor is one of ``refs``, oldest first, without seals."""
    wanted = sorted(set(refs))
    rows = connection.execute(
        select(
            audit_log.c.seq,
            audit_log.c.at,
            audit_log.c.actor,
            audit_log.c.action,
            audit_log.c.subject_ref,
            audit_log.c.details,
        )
        .where(audit_log.c.subject_ref.in_(wanted) | audit_log.c.actor.in_(wanted))
        .order_by(audit_log.c.seq)
    ).all()
    return [
        {
            "seq": int(r.seq),
            "at": _timestamp(r.at),
            "actor": r.actor,
            "action": r.action,
            "subject_ref": r.subject_ref,
            "details": r.details,
        }
        for r in rows
    ]
