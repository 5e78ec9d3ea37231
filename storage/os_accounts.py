"""Who runs this process, and whether they own the workbench account they act as.

`traq --as NAME` names an account; anyone who can run `traq` can type any name. For the
accounts that matter (the DPO's, and an account using a grant of per-person rows) the OS
account running the process must be the one an admin linked to the workbench account
(``users.os_user``). The OS account is read from the process's *real* uid through the password
database, never from ``USER``/``LOGNAME`` (which any caller sets): changing the real uid needs
root, and root may act only with an explicit override that the audit log records.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from storage.db.schema import users
from storage.errors import NotAccountOwner


@dataclass(frozen=True)
class OsAccount:
    """The operating-system account running this process."""

    name: str
    uid: int | None  # None where the platform has no uids (Windows)

    @property
    def is_root(self) -> bool:
        """True for the superuser, who could become any OS account anyway."""
        return self.uid == 0


def running_os_account() -> OsAccount:
    """The OS account of this process's real uid (the login name on Windows)."""
    if hasattr(os, "getuid"):
        import pwd

        uid = os.getuid()
        try:
            return OsAccount(pwd.getpwuid(uid).pw_name, uid)
        except KeyError:  # a uid without a passwd entry (some containers): name it by number
            return OsAccount(f"uid-{uid}", uid)
    import getpass

    return OsAccount(getpass.getuser(), None)


def check_owner(
    connection: Connection,
    user_id: int,
    *,
    required: bool,
    root_override: bool = False,
    program: str = "traq",
) -> dict[str, Any]:
    """What to record beside the account in the audit log; NotAccountOwner if it may not act.

    An account linked to an OS account acts only from it. ``required`` (DPO actions, grant
    use): the account must moreover be linked; otherwise an unlinked account's OS account is
    only recorded. Root acts for an account it does not own only with ``root_override``
    (recorded); another OS user's override is refused.
    """
    me = running_os_account()
    row = connection.execute(
        select(users.c.username, users.c.os_user).where(users.c.id == user_id)
    ).one()
    origin: dict[str, Any] = {"os_user": me.name, "uid": me.uid, "program": program}
    if root_override and not me.is_root:
        raise NotAccountOwner("--root-override is only for root")
    if row.os_user is not None and row.os_user == me.name:
        return origin
    if root_override:
        return {**origin, "root_override": True}
    if row.os_user is None and not required:
        return origin
    if row.os_user is None:
        raise NotAccountOwner(
            f"account {row.username} has no linked OS account; an admin links one on the "
            "Accounts page (README: Who ran a command)"
        )
    raise NotAccountOwner(
        f"account {row.username} belongs to another OS account; run traq as that OS user"
        + (" or add --root-override (recorded)" if me.is_root else "")
    )


def link_os_user(connection: Connection, user_id: int, os_user: str | None) -> None:
    """Link the workbench account to an OS account name, or unlink it with None."""
    if os_user is not None:
        os_user = os_user.strip()
        if not os_user or len(os_user) > 64 or any(c in os_user for c in ": /\\\n\t"):
            raise ValueError("an OS account name is 1-64 characters without spaces, : or /")
    connection.execute(update(users).where(users.c.id == user_id).values(os_user=os_user))
