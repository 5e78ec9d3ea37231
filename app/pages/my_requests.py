"""My rights requests: file one, follow its state, download my export.

Only the signed-in person's own requests are listed; ``?request=`` naming any other request
(or one that does not exist: nothing is revealed either way) is refused.
"""

import streamlit as st

from app.auth import refuse, require
from app.context import now, storage
from app.me import me
from app.rights_views import (
    KINDS,
    actor_of,
    correction_form,
    describe,
    flash,
    show_flash,
    show_table,
)
from app.text import literal
from services.rights import Request, RightsError
from services.rights.desk import (
    download,
    file_for,
    kept_export,
    record_download,
    requests_of,
    view,
    withdraw_mine,
)
from services.rights.requests import OPEN_STATES

EXPORTS = ("access", "portability")
NOT_YOURS = "You may see only your own requests."

person = me()
actor = actor_of(require("employee"))
engine, at = storage().engine, now()
st.title("My rights requests")
show_flash()
mine: dict[int, Request] = {r.id: r for r in requests_of(engine, actor, at)}
asked = st.query_params.get("request")
if asked is not None and (not asked.isdigit() or int(asked) not in mine):
    refuse(NOT_YOURS)

# A key of its own: opened, it stays open across the reruns its own widgets cause.
with st.expander("File a request", expanded=not mine, key="file-open", on_change="rerun"):
    kind = st.selectbox("What do you ask for?", list(KINDS), format_func=KINDS.__getitem__)
    profile: dict[str, str] = {}
    untracked: list[tuple[int, int]] = []
    if kind == "rectification":
        profile, untracked = correction_form("fix", person.timezone)
    if kind in ("objection", "consent_withdrawal"):
        st.caption("This takes effect as soon as you file it: you leave team analytics.")
    if kind == "erasure":
        st.caption("The DPO reviews it first; once carried out, nothing about you can be restored.")
    refusal = None
    if st.button("File the request", type="primary"):
        try:
            filed = file_for(
                engine, actor, person.person_id, kind, at, profile=profile, untracked=untracked
            )
        except RightsError as exc:
            refusal = f"Not filed: {literal(exc)}."
        else:
            flash(f"Request #{filed.id} filed; it is due by {filed.due_at:%Y-%m-%d}.")
            st.query_params["request"] = str(filed.id)
            st.rerun()
if refusal:  # outside the form: the browser may fold it away, never the refusal
    st.error(refusal)

if not mine:
    st.info("You have not filed any request yet.")
    st.stop()
st.subheader("My requests")
show_table(list(mine.values()), at)
ids = list(mine)
chosen = st.selectbox(
    "Follow request",
    ids,
    index=ids.index(int(asked)) if asked is not None else 0,
    format_func=lambda i: f"#{i} {mine[i].kind}",
)
request = view(engine, actor, int(chosen), at)  # the access to one's own request is audited
describe(request, at)
if request.state in OPEN_STATES and st.button("Withdraw this request", key="withdraw"):
    try:
        withdraw_mine(engine, actor, request.id, now())
    except RightsError as exc:
        st.error(f"Not withdrawn: {literal(exc)}.")
    else:
        flash(f"Request #{request.id} withdrawn.")
        st.rerun()
if request.kind == "rectification":
    st.json(request.details.get("profile") or {}, expanded=False)
if request.kind in EXPORTS and request.state == "completed":
    archive = kept_export(storage(), actor, request.id)  # as the DPO produced it
    # Kept no longer (past its life, or answered before exports were kept): a new one.
    if archive is None and st.button("Prepare my export (ZIP)", key=f"prepare-{request.id}"):
        try:
            archive = download(storage(), actor, request.id, now())
        except RightsError as exc:
            st.error(f"Not available: {literal(exc)}.")
    if archive is not None:
        st.download_button(
            "Download my export",
            archive,
            file_name=f"traqnext-export-{request.id}.zip",
            mime="application/zip",
            key=f"download-{request.id}",
            on_click=record_download,
            args=(engine, actor, request.id, at),
        )
elif request.kind in EXPORTS:
    st.caption("Your export can be downloaded here once the DPO has completed the request.")
