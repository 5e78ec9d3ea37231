"""Text that leaves TraqNext as a spreadsheet cell can never run as a formula.

An application or site name such as ``=HYPERLINK("http://x", "y")`` comes from a device; in a
CSV or Excel file it would run when a manager opens it. OWASP's rule: a text cell beginning
with ``= + - @``, a tab or a carriage return gets a leading apostrophe, which spreadsheets
show as text. Plain numbers in text ("-3", "+2.5%") are left alone: they cannot call anything.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?%?")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe if it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        if not PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value
