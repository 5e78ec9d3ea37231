"""Streamlit entry point: `traq app` (or `streamlit run streamlit_app.py`)."""

from app.home import render

render()
