"""privacy ledger: released scopes and differential-privacy budget per analyst

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("analyst", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('scope', 'noise')", name=op.f("ck_privacy_ledger_ledger_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_ledger")),
    )
    with op.batch_alter_table("privacy_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_privacy_ledger_analyst", ["analyst"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_ledger_analyst")
    op.drop_table("privacy_ledger")
