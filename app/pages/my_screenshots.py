"""My screenshots: decrypted for their owner only, each with a delete button."""

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
person = me()
st.title("My screenshots")
st.caption("Sealed with your own key; decrypted here for you only. Deleting one is final.")
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
            st.image(image, caption=shot.taken_at.strftime("%Y-%m-%d %H:%M UTC"))
            if st.button("Delete", key=f"delete-{shot.object_key}"):
                delete_my_screenshot(storage(), person.person_id, shot.object_key)
                record_access(
                    storage().engine, user_id, person.person_id, "self.screenshot.deleted", 1, now()
                )
                st.rerun()
