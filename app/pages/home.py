"""The organisation page, for every role: its size, its data period, its policy."""

from app.auth import ROLES, require
from app.home import render

require(*ROLES)
render()
