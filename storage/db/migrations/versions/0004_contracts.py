"""contracts and retention: quarantined batches and purge runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantined_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_quarantined_batches_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_batches")),
    )
    with op.batch_alter_table("quarantined_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantined_batches_person_id"), ["person_id"], unique=False
        )
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )


def downgrade() -> None:
    op.drop_table("retention_runs")
    with op.batch_alter_table("quarantined_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_batches_person_id"))
    op.drop_table("quarantined_batches")
