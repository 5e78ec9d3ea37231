"""Accounts of the demo installation, found through the analytics helpers the app uses."""

from __future__ import annotations

from sqlalchemy import select

from services.accounts import Account, authenticate
from storage import open_storage
from storage.db.schema import people, users


def account(username: str, password: str) -> Account:
    """The signed-in account for ``username``."""
    storage = open_storage()
    try:
        found = authenticate(storage.engine, username, password)
    finally:
        storage.close()
    assert found is not None, username
    return found


def employee_in_team(team_id: int, skip: int = 0) -> tuple[str, int]:
    """An employee's username and person id in ``team_id``."""
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            rows = connection.execute(
                select(users.c.username, people.c.id)
                .join(people, people.c.id == users.c.person_id)
                .where(people.c.team_id == team_id)
                .order_by(people.c.id)
            ).all()
    finally:
        storage.close()
    return str(rows[skip][0]), int(rows[skip][1])
