"""Text from data or from people is shown as text: never Markdown, HTML or a directive.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.success`` and the other message
elements as Markdown, so a display name like ``![x](https://attacker.example/p.png)`` would
make every viewer's browser fetch that address, and ``:red[...]`` or ``**`` would restyle
the page. CommonMark lets any ASCII punctuation be escaped with a backslash. Escaping the characters
that open a construct anywhere (images and links, emphasis, code, HTML and entities, tables,
strikethrough, Streamlit's ``:colour[...]`` directives, ``$`` maths), and those that open a
block only at the start of a line (headings, lists, quotes), turns it all into the characters
themselves while ordinary punctuation ("Team Research created.") reads as before.
"""

from __future__ import annotations

import re

# An underscore between two letters or digits never opens emphasis: data_protection_officer
# stays readable.
# ">" opens nothing inside a line (an autolink needs "<"), and Streamlit shows "\>" with its
# backslash: it is left alone there and written as an entity at the start.
# A colon before a letter opens a Streamlit directive (":red[...]", ":name" alone is eaten).
_INLINE = re.compile(r"([\\`*\[\]<!#|~$&{}]|:(?=[A-Za-z])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def literal(value: object) -> str:
    """``value`` as Markdown that renders exactly its characters, on one line."""
    one_line = _LINE_BREAKS.sub(" ", str(value)).lstrip()  # 4 leading spaces: a code block
    escaped = _INLINE.sub(r"\\\1", one_line)
    if escaped.startswith(">"):
        return "&gt;" + escaped[1:]  # a quote block otherwise
    return _BLOCK_START.sub(lambda m: f"{m[1][:-1]}\\{m[1][-1]}", escaped)
