"""My screenshots: decrypted for their owner only, each with a delete button."""

from zoneinfo import ZoneInfo

import streamlit as st

from app.auth import require
from app.context import now, storage
from app.me import me
from services.selfview import (
    delete_my_screenshot,
    my_screenshot_count,
    my_screenshots,
    open_my_screenshot,
    record_access,
)

COLUMNS = 3
PER_PAGE = 12
ASKED = "shot-delete-asked"  # the screenshot whose deletion waits for a confirmation
person = me()
zone = ZoneInfo(person.timezone)
st.title("My screenshots")
st.caption(
    "Sealed with your own key; decrypted here for you only. Deleting one is final. "
    f"Times are in your time zone ({person.timezone})."
)
user_id = require("employee").user_id
total = my_screenshot_count(storage().engine, person.person_id)
pages = max(1, -(-total // PER_PAGE))
page = 1
if pages > 1:
    page = int(st.number_input("Page", min_value=1, max_value=pages, value=1, key="shots-page"))
    st.caption(f"Page {page} of {pages}: {total} screenshots, newest first.")
offset = (page - 1) * PER_PAGE
shots = my_screenshots(storage().engine, person.person_id, limit=PER_PAGE, offset=offset)
record_access(
    storage().engine, user_id, person.person_id, "self.screenshots.viewed", len(shots), now()
)
if not shots:
    st.info("No screenshots.")
for start in range(0, len(shots), COLUMNS):
    for column, shot in zip(st.columns(COLUMNS), shots[start : start + COLUMNS], strict=False):
        with column.container(border=True):
            image = open_my_screenshot(storage(), person.person_id, shot.object_key)
            taken = shot.taken_at.astimezone(zone)
            st.image(image, caption=taken.strftime("%Y-%m-%d %H:%M %Z"))
            if st.session_state.get(ASKED) != shot.object_key:
                if st.button("Delete", key=f"delete-{shot.object_key}"):
                    st.session_state[ASKED] = shot.object_key
                    st.rerun()
                continue
            # One click must not destroy: the second, explicit one does, for good.
            st.warning("Delete this screenshot for good? It cannot be restored.")
            yes, no = st.columns(2)
            if yes.button("Delete for good", key=f"confirm-delete-{shot.object_key}"):
                delete_my_screenshot(storage(), person.person_id, shot.object_key)
                record_access(
                    storage().engine, user_id, person.person_id, "self.screenshot.deleted", 1, now()
                )
                st.session_state.pop(ASKED, None)
                st.rerun()
            if no.button("Keep it", key=f"keep-{shot.object_key}"):
                st.session_state.pop(ASKED, None)
                st.rerun()
