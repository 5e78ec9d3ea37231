"""keys: key_epochs (the KEK layer), subject_keys.epoch, installation.installation_id

Person keys wrapped by the master key itself (before this revision) keep opening with it;
`traq init` then moves them under a first epoch key (it holds the master key, which a
migration does not), and the first erasure would do so anyway.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_epochs",
        sa.Column("epoch", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("master_key_id", sa.String(length=32), nullable=False),
        sa.Column("master_key_ref", sa.String(length=2048), nullable=True),
        sa.Column("replaced_ref", sa.String(length=2048), nullable=True),
        sa.Column("wrapped_kek", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", storage.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("epoch", name=op.f("pk_key_epochs")),
    )
    with op.batch_alter_table("subject_keys") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_subject_keys_epoch_key_epochs"), "key_epochs", ["epoch"], ["epoch"]
        )
        batch.create_index(batch.f("ix_subject_keys_epoch"), ["epoch"], unique=False)
    with op.batch_alter_table("installation") as batch:
        batch.add_column(sa.Column("installation_id", sa.String(length=32), nullable=True))
    # An existing installation gets its id now; its key stays where it is (data folder).
    op.get_bind().execute(
        sa.text("UPDATE installation SET installation_id = :id WHERE installation_id IS NULL"),
        {"id": secrets.token_hex(8)},
    )


def downgrade() -> None:
    with op.batch_alter_table("installation") as batch:
        batch.drop_column("installation_id")
    with op.batch_alter_table("subject_keys") as batch:
        batch.drop_index(batch.f("ix_subject_keys_epoch"))
        batch.drop_constraint(batch.f("fk_subject_keys_epoch_key_epochs"), type_="foreignkey")
        batch.drop_column("epoch")
    op.drop_table("key_epochs")
