"""Administration: people and teams."""

import pandas as pd
import streamlit as st

from analytics.accounts import list_people
from app.auth import require
from app.context import storage

require("admin")
st.title("People and teams")
people = pd.DataFrame(list_people(storage().engine))
if people.empty:
    st.info("No people yet.")
else:
    teams = people.groupby(["team", "department"]).size().reset_index(name="people")
    st.subheader("Teams")
    st.dataframe(teams, hide_index=True)
    st.subheader("People")
    st.dataframe(people, hide_index=True)
