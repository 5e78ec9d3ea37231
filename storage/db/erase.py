"""Deleting every row about one person, in one transaction."""

from __future__ import annotations

from sqlalchemy import Connection, delete

from storage.db.schema import PERSON_SERIES, metadata, people

# Rows the erasure updates rather than deletes (redacted entries, scrubbed scopes), and the
# ended key epoch it destroys (its wrapped key must leave the files too).
SCRUBBED = ("audit_log", "privacy_ledger", "key_epochs")


def delete_person_rows(connection: Connection, person_id: int) -> dict[str, int]:
    """Delete the person and every row keyed by them; return the count per table.

    Series tables have no foreign key (for ingest speed), so they are emptied explicitly;
    devices, accounts and other dependants follow ``people`` through ``ON DELETE CASCADE``.
    """
    counts: dict[str, int] = {}
    for table in PERSON_SERIES:
        result = connection.execute(delete(table).where(table.c.person_id == person_id))
        counts[table.name] = int(result.rowcount)
    result = connection.execute(delete(people).where(people.c.id == person_id))
    counts[people.name] = int(result.rowcount)
    return counts


def erased_tables() -> list[str]:
    """Every table an erasure changes: series, ``people``, what hangs off it, scrubbed logs.

    Tables reach ``people`` through foreign keys (cascades and SET NULL, also through
    ``users``); the audit log and the privacy ledger are rewritten in place by the erasure.
    """
    touched = {people.name, *(table.name for table in PERSON_SERIES), *SCRUBBED}
    grew = True
    while grew:
        found = {
            table.name
            for table in metadata.sorted_tables
            if any(fk.column.table.name in touched for fk in table.foreign_keys)
        }
        grew = not found <= touched
        touched |= found
    return sorted(touched)
