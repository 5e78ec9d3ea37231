"""Erasing one subject everywhere: database rows, objects and their versions, keys, audit.

One call, inside the caller's transaction, in an order that is safe to retry:

1. refuse under a legal hold (the reason is stated, nothing is touched);
2. purge every object and object version under the subject's pseudonymous prefix (before
   the pseudonym is forgotten, so a failure leaves everything needed to try again);
3. scrub what outlives the person: free text of their rights requests, their id in the
   privacy ledger's scopes;
4. destroy their private keys and end the key epoch: every remaining key is re-wrapped
   under a new epoch key and master key, the old ones destroyed, so a backup taken before
   the erasure opens nothing of the person with any key that still exists;
5. delete every row about them (series tables, then ``people`` and its cascades);
6. redact their audit entries and append a tombstone without personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from storage import audit
from storage.db.compact import CompactReport, compact
from storage.db.erase import delete_person_rows, erased_tables
from storage.db.schema import OPEN_REQUEST_STATES, people, privacy_ledger, rights_requests, users
from storage.errors import LegalHold, SubjectNotFound
from storage.objects import ObjectStore, subject_prefix
from storage.vault import KeyVault


@dataclass(frozen=True)
class ErasureReport:
    """What one erasure removed; holds counts only, never an identifier of the person."""

    rows_deleted: dict[str, int]
    objects_purged: int  # every version and delete marker removed (the sum of the below)
    object_versions: dict[str, int]  # current objects, older versions, delete markers
    keys_destroyed: int
    audit_entries_redacted: int
    requests_scrubbed: int
    ledger_scopes_scrubbed: int
    tombstone_seq: int
    key_epoch: int = 0  # the epoch the erasure started (its predecessor was destroyed)
    keys_rewrapped: int = 0
    master_key_id: str = ""  # the new master key's id: the operator replaces their copy

    def to_json(self) -> dict[str, Any]:
        """A stable JSON form (also the tombstone's details, with the redacted seqs)."""
        return {
            "rows_deleted": dict(sorted(self.rows_deleted.items())),
            "objects_purged": self.objects_purged,
            "object_versions": dict(self.object_versions),
            "keys_destroyed": self.keys_destroyed,
            "audit_entries_redacted": self.audit_entries_redacted,
            "requests_scrubbed": self.requests_scrubbed,
            "ledger_scopes_scrubbed": self.ledger_scopes_scrubbed,
            "tombstone_seq": self.tombstone_seq,
            "key_epoch": self.key_epoch,
            "keys_rewrapped": self.keys_rewrapped,
            "master_key_id": self.master_key_id,
        }


def _subject(connection: Connection, person_id: int) -> tuple[str, str | None]:
    row = connection.execute(
        select(people.c.pseudonym, people.c.legal_hold_reason).where(people.c.id == person_id)
    ).first()
    if row is None:
        raise SubjectNotFound(f"no person with id {person_id} (already erased?)")
    return str(row.pseudonym), row.legal_hold_reason


ERASED_REASON = "closed: the person's data was erased"


def scrub_requests(
    connection: Connection, person_id: int, now: datetime, keep_open: int | None = None
) -> int:
    """Drop the free text of the person's requests (it may name them); keep the dates.

    Their other open requests can no longer be answered: they are closed with that reason
    (``keep_open``, the erasure's own request, is completed by its caller).
    """
    still_open = rights_requests.c.state.in_(OPEN_REQUEST_STATES)
    others = list(
        connection.execute(
            select(rights_requests.c.id).where(
                rights_requests.c.person_id == person_id,
                still_open,
                rights_requests.c.id != (keep_open if keep_open is not None else -1),
            )
        ).scalars()
    )
    result = connection.execute(
        update(rights_requests)
        .where(rights_requests.c.person_id == person_id)
        .values(
            person_id=None,
            identity_verification=None,
            decision_reason=None,
            extension_reason=None,
            details={},
        )
    )
    if others:
        connection.execute(
            update(rights_requests)
            .where(rights_requests.c.id.in_(others))
            .values(state="closed", closed_at=now, decision_reason=ERASED_REASON)
        )
    return int(result.rowcount)


def scrub_ledger(connection: Connection, person_id: int) -> int:
    """Remove the person's id from every privacy-ledger scope that lists it."""
    changed = 0
    rows = connection.execute(select(privacy_ledger.c.id, privacy_ledger.c.scope)).all()
    for row in rows:
        scope = dict(row.scope) if isinstance(row.scope, dict) else None
        listed = scope.get("people") if scope is not None else None
        if scope is None or not isinstance(listed, list) or person_id not in listed:
            continue
        scope["people"] = [p for p in listed if p != person_id]
        connection.execute(
            update(privacy_ledger).where(privacy_ledger.c.id == row.id).values(scope=scope)
        )
        changed += 1
    return changed


def count_versions_by_kind(objects: ObjectStore, prefix: str) -> dict[str, int]:
    """Current objects, older versions and delete markers under ``prefix`` (for evidence)."""
    counts = {"current": 0, "older_versions": 0, "delete_markers": 0}
    for version in objects.list_versions(prefix):
        kind = (
            "delete_markers"
            if version.is_delete_marker
            else "current"
            if version.is_latest
            else "older_versions"
        )
        counts[kind] += 1
    return counts


def erase_subject(
    connection: Connection,
    objects: ObjectStore,
    vault: KeyVault,
    person_id: int,
    *,
    actor: str,
    now: datetime,
    request_id: int | None = None,
) -> ErasureReport:
    """Erase ``person_id`` completely, in ``connection``'s transaction (see module doc).

    Raises LegalHold (with the recorded reason) or SubjectNotFound before changing anything.
    """
    pseudonym, hold = _subject(connection, person_id)
    if hold:
        raise LegalHold(f"erasure blocked by a legal hold: {hold}")
    account_ids = list(
        connection.execute(select(users.c.id).where(users.c.person_id == person_id)).scalars()
    )
    versions = count_versions_by_kind(objects, subject_prefix(pseudonym))
    purged = objects.purge(subject_prefix(pseudonym))
    requests = scrub_requests(connection, person_id, now, keep_open=request_id)
    scopes = scrub_ledger(connection, person_id)
    keys = vault.destroy_subject_keys(connection, person_id, now)
    epoch = vault.end_epoch(connection, now)
    rows = delete_person_rows(connection, person_id)
    refs = [audit.person_ref(person_id), *(audit.user_ref(uid) for uid in account_ids)]
    redacted = audit.redact_entries(connection, refs)
    details: dict[str, Any] = {
        "request": request_id,
        "rows_deleted": dict(sorted(rows.items())),
        "objects_purged": purged,
        "object_versions": versions,
        "keys_destroyed": len(keys),
        "key_epoch": epoch.epoch,
        "redacted_entries": redacted,
    }
    seq = audit.append(connection, actor, audit.TOMBSTONE_ACTION, None, details, now)
    return ErasureReport(
        rows, purged, versions, len(keys), len(redacted), requests, scopes, seq,
        epoch.epoch, epoch.rewrapped, epoch.master_key_id,
    )  # fmt: skip


SETTLED_ACTION = "erasure.settled"
CopyStep = Callable[[], Any]  # clears one copy outside the database; returns its evidence


def settle_erasure(
    engine: Engine,
    report: ErasureReport,
    actor: str,
    now: datetime,
    copies: Mapping[str, CopyStep] | None = None,
) -> dict[str, Any]:
    """Once the erasure committed: clear the copies its transaction could not reach.

    Runs each of ``copies`` (the lake, named by the caller, which owns it), then makes the
    deleted rows leave the database files (``compact_after_erasure``), and appends an
    ``erasure.settled`` audit entry listing what was cleared; returns that list. The list
    names places and counts only (lake months, vacuumed tables), never the person.
    """
    cleared: dict[str, Any] = {name: step() for name, step in (copies or {}).items()}
    cleared["database"] = compact_after_erasure(engine).to_json()
    with engine.begin() as connection:
        details = {"tombstone": report.tombstone_seq, **cleared}
        audit.append(connection, actor, SETTLED_ACTION, None, details, now)
    return cleared


def compact_after_erasure(engine: Engine) -> CompactReport:
    """Once the erasure committed: make its deleted rows leave the database files.

    SQLite's WAL is truncated; PostgreSQL's tables the erasure touched are vacuumed (see
    ``storage.db.compact``). Runs outside any transaction, so never inside the erasure's.
    """
    return compact(engine, erased_tables())
