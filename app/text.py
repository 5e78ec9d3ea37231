"""Text from data or from people is shown as text: never Markdown, HTML or a directive.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.success`` and the other message
elements as Markdown, so a display name like ``![x](https://attacker.example/p.png)`` would
make every viewer's browser fetch that address, and ``:red[...]`` or ``**`` would restyle
the page. CommonMark lets any ASCII punctuation be escaped with a backslash; escaping all of
it turns every construct (images, links, emphasis, headings, lists, tables, HTML, Streamlit's
``:colour[...]`` directives, ``$`` maths) into the characters themselves.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def literal(value: object) -> str:
    """``value`` as Markdown that renders exactly its characters, on one line."""
    one_line = _LINE_BREAKS.sub(" ", str(value))
    return _PUNCTUATION.sub(r"\\\1", one_line)
