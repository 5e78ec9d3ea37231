"""Streamlit entry point: `traq app` (or `streamlit run streamlit_app.py`).

Signed out, the only page is the sign-in form; signed in, the navigation holds the pages
of the account's role only (each page also checks the role itself).
"""

import streamlit as st

from app.auth import current, sign_in_form
from app.failure import unexpected
from app.nav import pages_for
from app.scheduler import start as start_retention_schedule
from app.sidebar import draw_policy, draw_sidebar
from app.warmup import start_warm_up

# No page_icon: a :material: favicon is fetched from fonts.gstatic.com (nothing may leave).
st.set_page_config(page_title="TraqNext", layout="wide")
start_warm_up()
start_retention_schedule()  # the daily retention purge, one thread per server process
account = current()
if account is None:
    page = st.navigation([st.Page(sign_in_form, title="Sign in")])
    draw_policy()
else:
    page = st.navigation(pages_for(account))
    draw_sidebar(account)
try:
    page.run()
except Exception as exc:  # st.stop and st.rerun are BaseException: they pass through
    unexpected(exc)
