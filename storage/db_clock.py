"""The database server's clock as the reference for a writer that is not on the server.

A right (withdrawal, objection) takes effect at a server time; the embedded sink writes from
the employee's own computer when the installation's database is a PostgreSQL server, and its
clock may be wrong. Measuring this process's clock against the database's at each write turns
the device's times into the server's, as the ingestion service does with its header
(``ingest.clock``), with the same one-way rule: against a stop an offset only moves times
later, so any ambiguity drops rather than keeps. SQLite is a file on this machine: its clock
is this machine's, nothing to measure.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from storage.consent import EXACT, Skew


def database_offset(conn: Connection, local_now: float) -> int:
    """Seconds to add to this machine's clock to get the database server's (0 on SQLite)."""
    if conn.dialect.name != "postgresql":
        return 0
    server_now = float(conn.scalar(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())")))
    return round(server_now - local_now)


def writer_skew(conn: Connection, local_now: float) -> Skew:
    """How a time stamped by this machine's clock is judged against a right's server time."""
    offset = database_offset(conn, local_now)
    return EXACT if offset == 0 else Skew(min(offset, 0), max(offset, 0))
