"""accounts (issue 18): must_change_password, sign-in failures and locks, case-free names

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("username_key", sa.String(255)))
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", storage.db.types.UtcDateTime(timezone=True)))
    # Existing accounts keep their names and passwords; only the comparison key is added
    # (Python's casefold: SQL's lower() folds ASCII only on SQLite). Names that differ only
    # in case may exist from before; the key is therefore not unique (lookups prefer the
    # exact spelling), and new names are checked against it.
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))
    connection = op.get_bind()
    for user_id, username in connection.execute(sa.select(users.c.id, users.c.username)).all():
        connection.execute(
            sa.text("UPDATE users SET username_key = :key WHERE id = :id"),
            {"key": username.casefold(), "id": user_id},
        )
    op.create_index("ix_users_username_key", "users", ["username_key"])


def downgrade() -> None:
    op.drop_index("ix_users_username_key", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_sign_ins")
        batch.drop_column("must_change_password")
        batch.drop_column("username_key")
