"""notices: the e-mails TraqNext sends (request received, extended, answered; deadlines;
a new device; failed sign-ins), kept as an outbox until sent

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("once", sa.String(length=120), nullable=True),
        sa.Column("created_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_notices_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("once", name=op.f("uq_notices_once")),
    )
    op.create_index(op.f("ix_notices_person_id"), "notices", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_person_id"), table_name="notices")
    op.drop_table("notices")
