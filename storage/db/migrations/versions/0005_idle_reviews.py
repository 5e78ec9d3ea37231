"""workbench: employees' idle-stretch reviews

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idle_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("end", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('keep', 'discard')", name=op.f("ck_idle_reviews_decision_known")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_idle_reviews_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idle_reviews")),
        sa.UniqueConstraint("person_id", "start", name=op.f("uq_idle_reviews_person_id_start")),
    )


def downgrade() -> None:
    op.drop_table("idle_reviews")
