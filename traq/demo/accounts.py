"""Demo accounts: an admin, a DPO, one manager per team and one account per employee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, insert, select

from storage.accounts import create_user, hash_password, new_password
from storage.db.schema import manager_teams, users
from storage.os_accounts import link_os_user, running_os_account
from storage.policies import set_policy
from traq.demo.org import EMAIL_DOMAIN, Organisation

# Named people, as every account must be (none of the demo's generated first names).
ADMIN = "sigrid.lindqvist"
DPO = "ilse.marchetti"


@dataclass(frozen=True)
class Accounts:
    """The demo's account names by role, and the one password they share."""

    password: str = field(repr=False)
    admins: list[str]
    dpos: list[str]
    managers: list[str]
    employees: list[str]

    def describe(self) -> list[str]:
        """One line per role, e.g. ``employees: ada.lovelace and 59 others``."""
        lines = []
        for role, names in (
            ("admin", self.admins),
            ("dpo", self.dpos),
            ("managers", self.managers),
            ("employees", self.employees),
        ):
            if names:
                more = len(names) - 1
                others = f" and {more} other{'s' if more > 1 else ''}" if more else ""
                lines.append(f"{role}: {names[0]}{others}")
        return lines


def usernames(org: Organisation) -> list[str]:
    """Every account name the demo will create for ``org``."""
    return [ADMIN, DPO, *org.managers, *(person.username for person in org.people)]


def taken_usernames(connection: Connection, wanted: Sequence[str]) -> list[str]:
    """Those of ``wanted`` that already exist."""
    existing = set(connection.execute(select(users.c.username)).scalars())
    return [name for name in wanted if name in existing]


def create_accounts(
    connection: Connection,
    org: Organisation,
    team_ids: Sequence[int],
    person_ids: Sequence[int],
    now: datetime,
) -> Accounts:
    """Create every demo account, all with one new random password."""
    password = new_password()
    # argon2 is slow on purpose (tens of milliseconds and 64 MiB per hash): hashing the
    # shared password once and storing that hash for every account keeps a demo of
    # thousands of accounts at one hash. The accounts share the password anyway.
    hashed = hash_password(password)
    # Not must_change_password, although generated: demo accounts are for trying the product
    # (every role, one shared password), and a change form at each first sign-in would stand
    # between a visitor and what they came to see. A demo holds no real person's data.
    # The demo's admin and DPO belong to whoever generated it: `traq rights … --as` the DPO
    # then works from this OS account (README: Who ran a command).
    me = running_os_account().name
    link_os_user(connection, create_user(connection, ADMIN, "admin", hashed, now), me)
    link_os_user(connection, create_user(connection, DPO, "dpo", hashed, now), me)
    for name, team_id in zip(org.managers, team_ids, strict=True):
        user_id = create_user(connection, name, "manager", hashed, now)
        connection.execute(insert(manager_teams).values(user_id=user_id, team_id=team_id))
    for person, person_id in zip(org.people, person_ids, strict=True):
        create_user(connection, person.username, "employee", hashed, now, person_id=person_id)
    employees = [person.username for person in org.people]
    return Accounts(password, [ADMIN], [DPO], list(org.managers), employees)


def name_responsibles(connection: Connection, now: datetime) -> None:
    """The demo's controller and DPO, as the record of processing names them."""
    by = "traq demo"
    company = {"name": "Acme Example Ltd (fictitious)", "contact": f"privacy@{EMAIL_DOMAIN}"}
    set_policy(connection, "controller", company, by, now)
    dpo = {"name": "Ilse Marchetti", "contact": f"{DPO}@{EMAIL_DOMAIN}"}
    set_policy(connection, "data_protection_officer", dpo, by, now)
