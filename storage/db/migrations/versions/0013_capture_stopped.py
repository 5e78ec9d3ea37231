"""consent on the server: when a withdrawal or objection stopped capture, and when it resumed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("capture_stopped_at", storage.db.types.UtcDateTime(timezone=True))
        )
        batch.add_column(
            sa.Column("capture_resumed_at", storage.db.types.UtcDateTime(timezone=True))
        )
    # People who already withdrew or objected: from now on (their earlier time is unknown).
    op.execute(
        sa.text(
            "UPDATE people SET capture_stopped_at = CURRENT_TIMESTAMP"
            " WHERE consent = 'withdrawn' OR objected"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("capture_resumed_at")
        batch.drop_column("capture_stopped_at")
