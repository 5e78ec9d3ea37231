"""The pages of each role: a page a role may not see is not in its navigation."""

from __future__ import annotations

from typing import Any

import streamlit as st

from services.accounts import Account

# No page icons: Streamlit makes a page's :material: icon the favicon, fetched from
# fonts.gstatic.com, and nothing may leave the building.
PAGES: dict[str, list[tuple[str, str]]] = {
    "manager": [
        ("app/pages/overview.py", "Overview"),
        ("app/pages/trends.py", "Trends"),
        ("app/pages/applications.py", "Applications"),
        ("app/pages/comparison.py", "Team comparison"),
        ("app/pages/team_timesheet.py", "Team timesheet"),
    ],
    "employee": [
        ("app/pages/my_day.py", "My day"),
        ("app/pages/my_week.py", "My week"),
        ("app/pages/my_screenshots.py", "My screenshots"),
        ("app/pages/tracking.py", "Pause tracking"),
        ("app/pages/my_timesheet.py", "My timesheet"),
        ("app/pages/connect.py", "Connect a computer"),
        ("app/pages/idle_review.py", "Review idle time"),
        ("app/pages/consent.py", "My consent"),
        ("app/pages/my_requests.py", "My rights requests"),
    ],
    "admin": [
        ("app/pages/people.py", "People and teams"),
        ("app/pages/accounts.py", "Accounts and roles"),
        ("app/pages/devices.py", "Devices"),
        ("app/pages/policies.py", "Policies"),
        ("app/pages/quarantine.py", "Quarantined batches"),
    ],
    "dpo": [
        ("app/pages/dpo_queue.py", "Request queue"),
        ("app/pages/dpo_audit_log.py", "Audit log"),
        ("app/pages/dpo_holds.py", "Legal holds"),
        ("app/pages/dpo_grants.py", "Data grants"),
        ("app/pages/dpo_retention.py", "Retention audit"),
        ("app/pages/dpo_purge.py", "Retention purge"),
        ("app/pages/dpo_outbox.py", "Notices"),
        ("app/pages/quarantine.py", "Quarantined batches"),
    ],
}
GROUPS = {
    "manager": "Team dashboards",
    "employee": "My data",
    "admin": "Administration",
    "dpo": "Data protection",
}
HOME = ("app/pages/home.py", "Organisation")
CHANGE_PASSWORD = ("app/pages/change_password.py", "Change password")  # every role


def pages_for(account: Account) -> dict[str, list[Any]]:
    """The navigation of ``account``'s role: its own group first, then the organisation.

    While the account must replace a generated password, the change form is all there is.
    """
    change = st.Page(CHANGE_PASSWORD[0], title=CHANGE_PASSWORD[1])
    if account.must_change_password:
        return {"Your account": [change]}
    own = [st.Page(p, title=t, default=i == 0) for i, (p, t) in enumerate(PAGES[account.role])]
    home = [st.Page(HOME[0], title=HOME[1], default=not own)]
    groups: dict[str, list[Any]] = {}
    if own:
        groups[GROUPS[account.role]] = own
    groups["Organisation"] = home
    groups["Your account"] = [change]  # last: a page of the role opens first
    return groups
