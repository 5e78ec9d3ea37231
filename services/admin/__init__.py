"""Administration for the workbench: people and teams, accounts and roles, policies.

Every change is made by a named, enabled admin account, checked, written and audit-logged
in one transaction; a refusal is one ``AdminRefused`` line and leaves nothing half-written.
"""

from services.admin.accounts import (
    account_choices,
    change_role,
    change_teams,
    create_account,
    link_os_account,
    reset_password,
    set_enabled,
)
from services.admin.people import (
    add_person,
    add_team,
    edit_person,
    move_person,
    people_choices,
    set_jurisdiction,
)
from services.admin.policies import change_policies, check_policy
from services.errors import AdminRefused, NotAllowed

__all__ = [
    "AdminRefused",
    "NotAllowed",
    "account_choices",
    "add_person",
    "add_team",
    "change_policies",
    "change_role",
    "change_teams",
    "check_policy",
    "create_account",
    "edit_person",
    "link_os_account",
    "move_person",
    "people_choices",
    "reset_password",
    "set_enabled",
    "set_jurisdiction",
]
