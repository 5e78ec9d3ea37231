"""request lifecycle: closed and withdrawn states; each person's jurisdiction (deadlines per law)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BEFORE = ("received", "in_review", "approved", "rejected", "in_progress", "completed")
AFTER = (*BEFORE, "closed", "withdrawn")
NAME = "ck_rights_requests_request_state"


def _states(states: tuple[str, ...]) -> str:
    return "state IN ({})".format(", ".join(f"'{s}'" for s in states))


def _replace_states(states: tuple[str, ...]) -> None:
    with op.batch_alter_table("rights_requests", recreate="always") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), _states(states))


def upgrade() -> None:
    _replace_states(AFTER)
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("jurisdiction", sa.String(16)))


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE rights_requests SET state = 'rejected' WHERE state IN ('closed', 'withdrawn')"
        )
    )
    _replace_states(BEFORE)
    with op.batch_alter_table("people") as batch:
        batch.drop_column("jurisdiction")
