"""The DPO request queue: deadlines, filters and actions, and filing on someone's behalf.

Opening a request is a view of that person's individual data: ``desk.view`` audits it.
"""

import streamlit as st

from app.auth import require
from app.context import now, storage
from app.rights_views import (
    KINDS,
    STATES,
    actor_of,
    correction_form,
    describe,
    flash,
    person_name,
    show_flash,
    show_table,
)
from app.text import literal
from services.rights import RightsError
from services.rights.desk import (
    CARRY_OUT,
    STANDINGS,
    act,
    file_for,
    filter_queue,
    kept_export,
    people_to_file_for,
    record_download,
    requests_of,
    standing_of,
    view,
)
from services.rights.requests import OPEN_STATES

EXPORTS = ("access", "portability")
WORK_ON = "dpo-work-on"  # the request chosen in the queue
ADDRESS = "dpo-address"  # the ?request= this page last wrote (a different one is a link)
ACTED_ON = "dpo-acted-on"  # the request the DPO just acted on: kept in view whatever the filter
CARRY_LABEL = {
    "export": "Produce the export (completes the request)",
    "erase": "Erase everything about this person (completes the request)",
    "rectify": "Apply the correction (completes the request)",
    "restrict": "Restrict processing (completes the request)",
    "complete": "Mark completed (it took effect when filed)",
}

actor = actor_of(require("dpo"))
engine, at = storage().engine, now()
st.title("Request queue")
show_flash()


def run(request_id: int, action: str, reason: str | None = None, months: int = 2) -> None:
    """Do ``action``; on success say so and redraw, on refusal say why."""
    try:
        outcome = act(storage(), actor, request_id, action, now(), reason=reason, months=months)
    except RightsError as exc:
        st.error(f"Not done: {literal(exc)}.")
        return
    note = f" ({outcome.note})" if outcome.note else ""
    state = STATES.get(outcome.request.state, outcome.request.state)
    flash(f"Request #{request_id}: {action} done, now {state}{note}.")
    st.session_state[ACTED_ON] = request_id
    st.rerun()


everything = requests_of(engine, actor, at)
names = people_to_file_for(engine, actor)
flags = [r.flags(at) for r in everything]
left, middle, right = st.columns(3)
left.metric("Open", sum(r.state in OPEN_STATES for r in everything))
middle.metric("Overdue", sum(f["overdue"] for f in flags))
right.metric("Due within a week", sum(f["due_soon"] for f in flags))
late = [f"#{r.id}" for r, f in zip(everything, flags, strict=True) if f["overdue"]]
if late:
    st.warning(f"Overdue: {', '.join(late)}. Answer or extend them now.")

a, b, c = st.columns(3)
states = a.multiselect("State", list(STATES), format_func=STATES.__getitem__)
kinds = b.multiselect("Kind", list(KINDS))
standing = c.selectbox("Standing", STANDINGS, index=STANDINGS.index("open"))
shown = filter_queue(everything, at, states=states, kinds=kinds, standing=standing)
# A request just completed (an export produced) leaves the "open" list; it stays in view,
# with its download, until the DPO moves on, rather than vanishing under their cursor.
acted = next((r for r in everything if r.id == st.session_state.get(ACTED_ON)), None)
if acted is not None and acted not in shown:
    shown = [*shown, acted]
    st.caption(f"Request #{acted.id} is shown because you just acted on it.")
if shown:
    show_table(shown, at, names)
else:
    st.info("No request matches these filters.")

ids = [r.id for r in shown]
by_id = {r.id: r for r in shown}
# A keyed box: its choice survives every rerun. A key-less box whose index followed the
# address was a new widget whenever that index changed, and a browser saw the choice jump
# back to the previous request. The address still names the request worked on: a reload or
# a shared link opens it.
asked = st.query_params.get("request")
wanted = int(asked) if asked and asked.isdigit() else None
if asked != st.session_state.get(ADDRESS) and wanted in ids:  # a link or a typed address
    st.session_state[WORK_ON] = wanted
if st.session_state.get(WORK_ON) not in ids:
    st.session_state[WORK_ON] = wanted if wanted in ids else (ids[0] if ids else None)
chosen = st.selectbox(
    "Work on request",
    ids,
    key=WORK_ON,
    format_func=lambda i: f"#{i} {by_id[i].kind}, {person_name(by_id[i].person_id, names)}",
)
if chosen is not None:
    # The address names the request worked on: after an action (which may reorder or
    # refilter the queue) or a reload, the same request stays selected while it is shown.
    st.query_params["request"] = st.session_state[ADDRESS] = str(chosen)
    if chosen != st.session_state.get(ACTED_ON):
        st.session_state.pop(ACTED_ON, None)  # moved on: the filters alone decide again
    request = view(engine, actor, int(chosen), at)  # a view of individual data: audited
    who = names.get(request.person_id, "erased") if request.person_id is not None else "erased"
    law = request.details.get("law", "GDPR")
    st.subheader(f"Request #{request.id}: {request.kind}, {literal(who)} ({law})")
    describe(request, at)
    st.caption(f"Identity check: {literal(request.identity_verification or 'none recorded')}")
    if request.details:
        st.json(request.details, expanded=False)
    if request.state in ("received", "in_review"):
        one, two = st.columns(2)
        if request.state == "received" and one.button("Start review"):
            run(request.id, "review")
        if two.button("Approve", type="primary"):
            run(request.id, "approve")
    if request.state in ("approved", "in_progress"):
        action = CARRY_OUT[request.kind]
        sure = action != "erase" or st.checkbox("I checked there is no reason to keep the data")
        if st.button(CARRY_LABEL[action], type="primary", disabled=not sure):
            run(request.id, action)
    if request.state in OPEN_STATES:  # every open request has a way out
        with st.expander("Reject or close"):
            reason = st.text_input("Reason (shown to the requester)", key="end-reason")
            one, two = st.columns(2)
            if one.button("Reject", key="reject"):
                run(request.id, "reject", reason=reason)
            if two.button("Close", key="close"):
                run(request.id, "close", reason=reason)
    archive = kept_export(storage(), actor, request.id) if request.kind in EXPORTS else None
    if archive is not None:  # kept for the request's life: any session, any day
        st.download_button(
            "Download the export", archive, f"traqnext-export-{request.id}.zip",
            "application/zip", key=f"download-{request.id}",
            on_click=record_download, args=(engine, actor, request.id, at),
        )  # fmt: skip
    if request.person_id is not None and request.kind == "restriction":
        if request.state == "completed" and standing_of(engine, actor, request.person_id).get(
            "restricted"
        ):
            if st.button("Lift the restriction"):
                run(request.id, "lift")
    if request.state in OPEN_STATES and request.extended_due_at is None:
        with st.expander("Extend the deadline (once)"):
            months = st.radio("By", [1, 2], index=1, format_func=lambda m: f"{m} month(s)")
            why = st.text_input("Reason for the extension (shown to the requester)")
            if st.button("Extend"):
                run(request.id, "extend", months=months, reason=why)

with st.expander("File on behalf of someone who wrote in"):
    person = st.selectbox("Person", list(names), format_func=lambda i: f"{names[i]} (#{i})")
    kind = st.selectbox("Right", list(KINDS), format_func=KINDS.__getitem__, key="on-behalf")
    profile: dict[str, str] = {}
    untracked: list[tuple[int, int]] = []
    if kind == "rectification":
        profile, untracked = correction_form("behalf", "UTC")  # times as they wrote them, UTC
    how = st.text_input("How their identity was verified")
    if st.button("File for them") and person is not None:
        try:
            filed = file_for(
                engine, actor, int(person), kind, now(),
                profile=profile, untracked=untracked, identity_verification=how,
            )  # fmt: skip
        except RightsError as exc:
            st.error(f"Not filed: {literal(exc)}.")
        else:
            flash(f"Request #{filed.id} filed on behalf of {literal(names[int(person)])}.")
            st.rerun()
