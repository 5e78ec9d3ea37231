"""retention: monthly partitions of minute activity and spans (PostgreSQL), audit-log anchor

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

On PostgreSQL, ``activity_minutes`` and ``app_spans`` become ``PARTITION BY RANGE`` tables
(one partition per UTC month, plus DEFAULT; see storage/db/partitions.py), so that the
retention purge drops whole months. Existing rows are copied over in this migration's
transaction: every row is kept. SQLite keeps plain tables. On every backend,
``audit_anchor`` records where audit-log verification starts after a purge, and a partial
index on spans still holding a title lets the window-titles purge skip a full scan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import storage.db.types
from storage.db.partitions import (
    PARTITIONED,
    create_month,
    default_name,
    month_start,
    months_between,
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = {
    "activity_minutes": (
        "person_id integer NOT NULL, minute bigint NOT NULL, device_id integer NOT NULL, "
        "active_seconds smallint NOT NULL, key_presses integer NOT NULL, "
        "mouse_clicks integer NOT NULL, mouse_moves integer NOT NULL, scrolls integer NOT NULL, "
        "CONSTRAINT ck_activity_minutes_active_seconds_range "
        "CHECK (active_seconds BETWEEN 0 AND 60), "
        "CONSTRAINT ck_activity_minutes_minute_aligned CHECK (minute % 60 = 0)"
    ),
    "app_spans": (
        "person_id integer NOT NULL, device_id integer NOT NULL, start_ts bigint NOT NULL, "
        "end_ts bigint NOT NULL, app varchar(200) NOT NULL, site varchar(255), "
        "title_ct bytea, "
        "CONSTRAINT ck_app_spans_span_order CHECK (end_ts >= start_ts)"
    ),
}
_KEYS = {
    "activity_minutes": "person_id, minute, device_id",
    "app_spans": "person_id, device_id, start_ts",
}
_NAMES = {
    "activity_minutes": "person_id, minute, device_id, active_seconds, key_presses, "
    "mouse_clicks, mouse_moves, scrolls",
    "app_spans": "person_id, device_id, start_ts, end_ts, app, site, title_ct",
}


def _rebuild(table: str, partitioned: bool) -> None:
    """Re-create ``table`` (partitioned or plain) and copy every row across."""
    bind = op.get_bind()
    old = f"{table}_0005" if partitioned else f"{table}_0006"
    op.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
    op.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "pk_{table}" TO "pk_{old}"')
    op.execute(f'ALTER TABLE "{old}" DROP CONSTRAINT "fk_{table}_person_id_people"')
    suffix = f" PARTITION BY RANGE ({PARTITIONED[table]})" if partitioned else ""
    op.execute(f'CREATE TABLE "{table}" ({_COLUMNS[table]}){suffix}')
    if partitioned:
        _create_partitions(bind, table, old)
    op.execute(f'INSERT INTO "{table}" ({_NAMES[table]}) SELECT {_NAMES[table]} FROM "{old}"')
    op.execute(f'DROP TABLE "{old}"')
    # Keys after the copy: one sorted index build and one check beat a row-by-row upkeep.
    op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "pk_{table}" PRIMARY KEY ({_KEYS[table]})')
    op.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "fk_{table}_person_id_people" '
        "FOREIGN KEY (person_id) REFERENCES people (id) ON DELETE CASCADE"
    )


def _create_partitions(bind: sa.Connection, table: str, old: str) -> None:
    """One partition per month holding data, this month and the next, and DEFAULT."""
    column = PARTITIONED[table]
    firsts = bind.execute(
        sa.text(
            f'SELECT min("{column}") FROM "{old}" '
            f"GROUP BY date_trunc('month', to_timestamp(\"{column}\") AT TIME ZONE 'UTC')"
        )
    ).scalars()
    months = {month_start(int(first)) for first in firsts}
    now = datetime.now(UTC)
    months |= set(months_between(int(now.timestamp()), int((now + timedelta(days=31)).timestamp())))
    for year, month in sorted(months):
        create_month(bind, table, year, month)
    op.execute(f'CREATE TABLE "{default_name(table)}" PARTITION OF "{table}" DEFAULT')


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in PARTITIONED:
            _rebuild(table, partitioned=True)
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("purged_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_anchor_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )
    titled = sa.text("title_ct IS NOT NULL")
    op.create_index(
        "ix_app_spans_titled",
        "app_spans",
        ["start_ts"],
        postgresql_where=titled,
        sqlite_where=titled,
    )


def downgrade() -> None:
    op.drop_index("ix_app_spans_titled", table_name="app_spans")
    op.drop_table("audit_anchor")
    if op.get_bind().dialect.name == "postgresql":
        for table in PARTITIONED:
            _rebuild(table, partitioned=False)
