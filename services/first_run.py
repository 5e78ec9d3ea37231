"""Track yourself: the first `traq collect` on an installation with nobody in it.

A person who installs TraqNext to track their own work (as with ActivityWatch) has no admin,
no team and no person record. The first run creates, in one transaction: a team named after
them, the person (display name from the OS account, time zone from the system) with their key
pair, and an employee account of the OS account's name linked to the person and to that OS
account, whose one-time password is shown once so they can open their day in the workbench.
Consent is what they answered on the terminal; the audit log records it with the OS account.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, func, select

from services.errors import AdminRefused
from storage import audit
from storage.accounts import check_username, create_user, hash_password, new_password
from storage.db.schema import people, users
from storage.os_accounts import OsAccount
from storage.people import create_team, enrol_person
from storage.vault import KeyVault

TEAM_SUFFIX = "'s work"


@dataclass(frozen=True)
class Yourself:
    """What the first run created: the person, and the account to open the workbench with."""

    person_id: int
    pseudonym: str
    username: str | None
    password: str | None  # None when no account was made (none asked, or the name was taken)


def nobody_yet(engine: Engine) -> bool:
    """True when the installation holds no person: the first run may create one."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(people)).scalar_one()) == 0


def system_timezone(env: dict[str, str] | None = None, root: Path = Path("/")) -> str:
    """The system's IANA time zone: ``TZ``, /etc/timezone, the /etc/localtime link, else UTC."""
    env = dict(os.environ) if env is None else env
    candidates = [env.get("TZ", "").lstrip(":")]
    timezone_file = root / "etc" / "timezone"
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    localtime = root / "etc" / "localtime"
    if localtime.is_symlink():
        target = os.readlink(localtime)
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name and _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def display_name_of(account: OsAccount) -> str:
    """The OS account's full name (the passwd comment), else its login name."""
    if account.uid is not None:
        import pwd

        try:
            full = pwd.getpwuid(account.uid).pw_gecos.split(",")[0].strip()
        except KeyError:
            full = ""
        if full:
            return full
    return account.name


def usable_username(name: str) -> str | None:
    """Why ``name`` cannot be a workbench username (e.g. "root" names a role), or None."""
    try:
        check_username(name)
    except ValueError as exc:
        return str(exc)
    return None


def set_up_yourself(
    engine: Engine,
    vault: KeyVault,
    account: OsAccount,
    timezone: str,
    now: datetime,
    username: str | None,
) -> Yourself:
    """Create the only person of an empty installation, with a team and (with ``username``)
    an employee account linked to them and to the OS account.

    AdminRefused if somebody already exists (an organisation's installation: its admin adds
    people, and their devices are named with ``--subject`` or enrolled).
    """
    name = display_name_of(account)
    with engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(people)).scalar_one():
            raise AdminRefused("this installation already has people; pass --subject PSEUDONYM")
        team_id = create_team(connection, f"{name}{TEAM_SUFFIX}"[:120], "Personal")
        profile = {"display_name": name, "email": None, "timezone": timezone}
        person_id, _key = enrol_person(connection, vault, profile, team_id, now)
        pseudonym = str(
            connection.execute(
                select(people.c.pseudonym).where(people.c.id == person_id)
            ).scalar_one()
        )
        taken = (
            username is None
            or connection.execute(
                select(users.c.id).where(func.lower(users.c.username) == username.lower())
            ).first()
        )
        password = None
        if not taken and username is not None:
            password = new_password()
            user_id = create_user(
                connection, username, "employee", hash_password(password), now, person_id
            )
            connection.execute(
                users.update().where(users.c.id == user_id).values(os_user=account.name)
            )
        details = {"consent": "given on the terminal", "os_user": account.name}
        me = audit.person_ref(person_id)  # they enrolled themselves; an erasure redacts it
        audit.append(connection, me, "person.self_enrolled", me, details, now)
    return Yourself(person_id, pseudonym, username, password)
