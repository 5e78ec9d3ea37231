"""ingestion: device tokens (hashed, revocable) and one-time enrolment codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot add columns with constraints in place.
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("revoked_at", storage.db.types.UtcDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_devices_token_hash", "devices", ["token_hash"], unique=True)
    op.create_table(
        "enrol_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_enrol_codes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrol_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enrol_codes_code_hash")),
    )
    op.create_index(op.f("ix_enrol_codes_person_id"), "enrol_codes", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_enrol_codes_person_id"), table_name="enrol_codes")
    op.drop_table("enrol_codes")
    op.drop_index("ix_devices_token_hash", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("token_hash")
