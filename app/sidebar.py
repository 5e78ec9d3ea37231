"""The sidebar every page shares: who is signed in, the period and team filters, and the
organisation's policy (the collector is never secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from analytics import Period
from app.auth import refuse, sign_out
from app.context import storage
from app.text import literal
from services.accounts import Account, policies, team_names
from services.policy_text import policy_lines
from services.selfview import my_last_day

FILTERS = "filters"
ALL_TEAMS = "all"
TEAM = "team"


@dataclass(frozen=True)
class Filters:
    """The period and teams a page shows (teams already checked against the account)."""

    period: Period
    team_ids: frozenset[int]


@st.cache_data(ttl=60, show_spinner=False)
def _data_span() -> tuple[date, date] | None:
    from analytics import organisation_summary

    summary = organisation_summary(storage())
    if summary.first_day is None or summary.last_day is None:
        return None
    return summary.first_day, summary.last_day


def draw_policy() -> None:
    """The organisation's policy, in the sidebar."""
    with st.sidebar.expander("What TraqNext collects here", expanded=False):
        st.markdown(
            "\n".join(f"- {literal(line)}" for line in policy_lines(policies(storage().engine)))
        )


def default_period(account: Account | None = None) -> tuple[date, date]:
    """The last 7 days holding data (or the last 7 days before today).

    An employee's pages show their own data, which is live: their 7 days end at the last
    day they were tracked (today, for someone who just started), not at the last published
    day a manager's pages end at.
    """
    last: date | None = None
    if account is not None and account.person_id is not None:
        last = my_last_day(storage().engine, account.person_id)
    if last is None:
        span = _data_span()
        last = span[1] if span else date.today() - timedelta(days=1)
    return last - timedelta(days=6), last


def shared_period() -> tuple[date, date]:
    """The sidebar's period (this session's choice, else the last 7 days holding data)."""
    chosen = st.session_state.get(FILTERS)
    return (chosen[0], chosen[1]) if chosen else default_period()


PERIOD_ROLES = ("manager", "employee")  # the roles whose pages show figures over a period


def draw_sidebar(account: Account) -> None:
    """Signed-in user, the shared filters (kept in the session), and the policy."""
    bar = st.sidebar
    bar.markdown(f"Signed in as **{account.username}** ({account.role})")
    if bar.button("Sign out"):
        if sign_out():
            st.stop()  # the provider's sign-out redirect goes out with this run's end
        st.rerun()
    chosen = None
    if account.role in PERIOD_ROLES:  # admin and DPO pages have no period: no idle control
        anchor = default_period(account)[1]
        bar.selectbox(
            "Quick range",
            list(QUICK_RANGES),
            index=None,
            placeholder="pick a range or dates below",
            key="quick-range",
            on_change=_apply_quick_range,
            args=(anchor,),
        )
        # The picker's value lives in the session (a quick range sets it there), so it is
        # given no default of its own: Streamlit warns when both are set.
        st.session_state.setdefault("period", default_period(account))
        chosen = bar.date_input("Period", key="period")
    if account.role == "manager":
        names = team_names(storage().engine)
        options = [ALL_TEAMS, *sorted(account.team_ids, key=lambda t: names.get(t, ""))]
        wanted = _wanted()
        if "team" not in st.query_params and not _ok(wanted, account):
            st.session_state.pop(TEAM, None)  # a team this manager no longer manages
            wanted = ALL_TEAMS
        index = (
            options.index(wanted if wanted == ALL_TEAMS else int(wanted))
            if _ok(wanted, account)
            else 0
        )
        team = bar.selectbox(
            "Team",
            options,
            index=index,
            format_func=lambda t: "All my teams" if t == ALL_TEAMS else names.get(int(t), str(t)),
        )
        if _ok(wanted, account):  # a tampered value stays in the URL for the page to refuse
            st.session_state[TEAM] = str(team)
            if team == ALL_TEAMS:
                st.query_params.pop("team", None)
            else:
                st.query_params["team"] = str(team)
    if isinstance(chosen, tuple) and len(chosen) == 2:
        st.session_state[FILTERS] = (chosen[0], chosen[1])
    draw_policy()


def _this_week(anchor: date) -> tuple[date, date]:
    return anchor - timedelta(days=anchor.weekday()), anchor


def _last_week(anchor: date) -> tuple[date, date]:
    monday = anchor - timedelta(days=anchor.weekday() + 7)
    return monday, monday + timedelta(days=6)


def _this_month(anchor: date) -> tuple[date, date]:
    return anchor.replace(day=1), anchor


def _last_30_days(anchor: date) -> tuple[date, date]:
    return anchor - timedelta(days=29), anchor


# Each range ends at the last day with data (the newest published day for managers, the
# person's last tracked day for employees): "this week" is never an empty future.
QUICK_RANGES = {
    "This week": _this_week,
    "Last week": _last_week,
    "This month": _this_month,
    "Last 30 days": _last_30_days,
}


def _apply_quick_range(anchor: date) -> None:
    """Set the period picker to the chosen range (a callback: before the picker draws)."""
    choice = st.session_state.get("quick-range")
    if choice in QUICK_RANGES:
        st.session_state["period"] = QUICK_RANGES[choice](anchor)


def _wanted() -> str:
    """The team asked for: the URL's ``?team=`` (shareable), else this session's choice
    (page switches drop query parameters)."""
    return st.query_params.get("team") or str(st.session_state.get(TEAM, ALL_TEAMS))


def _ok(wanted: str, account: Account) -> bool:
    return wanted == ALL_TEAMS or (wanted.isdigit() and int(wanted) in account.team_ids)


def filters(account: Account) -> Filters:
    """The filters for this page; refuses a team outside the account's scope."""
    first, last = shared_period()
    wanted = _wanted()
    if not _ok(wanted, account):
        refuse("You may not see that team: managers see only their own teams.")
    teams = account.team_ids if wanted == ALL_TEAMS else frozenset({int(wanted)})
    return Filters(Period(first, last), teams)
