"""offboarding: when a person left (their data is erased after the post-employment period)

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0017"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("left_at", storage.db.types.UtcDateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("left_at")
