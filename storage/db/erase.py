"""Deleting every row about one person, in one transaction."""

from __future__ import annotations

from sqlalchemy import Connection, delete

from storage.db.schema import PERSON_SERIES, people


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
