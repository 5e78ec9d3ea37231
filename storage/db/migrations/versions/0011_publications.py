"""publications: published statistics per local day and unit, released once (issue 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("published_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(16), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_publication_days")),
    )
    op.create_table(
        "publication_units",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("team_name", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("day", "team_id", name=op.f("pk_publication_units")),
    )
    op.create_index(
        "ix_publication_units_unit_day", "publication_units", ["unit_id", "day"], unique=False
    )
    op.create_table(
        "publication_cells",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("tracked_seconds", sa.Float(), nullable=True),
        sa.Column("active_seconds", sa.Float(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('total', 'hour', 'category', 'app', 'other')",
            name=op.f("ck_publication_cells_publication_kind"),
        ),
        sa.PrimaryKeyConstraint("day", "unit_id", "kind", "key", name=op.f("pk_publication_cells")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("publication_cells")
    op.drop_index("ix_publication_units_unit_day", table_name="publication_units")
    op.drop_table("publication_units")
    op.drop_table("publication_days")
