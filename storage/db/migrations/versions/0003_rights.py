"""rights: audit log seals (per-field salts and digests) and lookup indexes for erasure

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salts", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("digests", sa.JSON(), server_default="{}", nullable=False))
        batch_op.create_index("ix_audit_log_subject_ref", ["subject_ref"], unique=False)
        batch_op.create_index("ix_audit_log_actor", ["actor"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_actor")
        batch_op.drop_index("ix_audit_log_subject_ref")
        batch_op.drop_column("digests")
        batch_op.drop_column("salts")
