"""The Streamlit workbench: pages per role, calling analytics only."""
