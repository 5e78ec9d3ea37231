"""Administration: accounts and their roles (every action is by a named account)."""

import pandas as pd
import streamlit as st

from analytics.accounts import list_accounts
from app.auth import require
from app.context import storage

require("admin")
st.title("Accounts and roles")
st.dataframe(pd.DataFrame(list_accounts(storage().engine)), hide_index=True)
st.caption("Roles: admin, manager (their teams only), employee (their own data), dpo.")
