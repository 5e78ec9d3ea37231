"""governance: data_grants (per-person rows for a named account) and users.os_user

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_data_grants_user_id_users"),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("usable_until", sa.Date(), nullable=False),
        sa.Column("given_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "given_by",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_data_grants_given_by_users"),
        ),
        sa.Column("revoked_at", UtcDateTime(timezone=True)),
        sa.Column(
            "revoked_by",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_data_grants_revoked_by_users"),
        ),
        sa.CheckConstraint("period_from <= period_to", name="ck_data_grants_period_ordered"),
        sa.PrimaryKeyConstraint("id", name="pk_data_grants"),
    )
    op.create_index("ix_data_grants_user_id", "data_grants", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("os_user", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("os_user")
    op.drop_index("ix_data_grants_user_id", table_name="data_grants")
    op.drop_table("data_grants")
