"""Names and reasons render as their characters: checked with a CommonMark renderer."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from app.text import literal

RENDERER = MarkdownIt("commonmark").enable("table").enable("strikethrough")
ATTACKS = [
    "![pixel](https://attacker.example/p.png)",
    "[click](javascript:alert(1))",
    "<img src=https://attacker.example/p.png>",
    "**bold** _it_ `code` ~~gone~~",
    "# heading",
    "- item\n1. item",
    "| a | b |\n|---|---|\n| c | d |",
    ":red[alarm] :material/warning: $x^2$",
    "a\\*b\\\\",
    "&amp; &#x3C;script&#x3E;",
    "    indented code",
    "Note:Ada :red[alarm]",
    "> quote",
    "1) one",
    "=== setext",
]


def _rendered_text(markdown: str) -> str:
    rendered = RENDERER.render(markdown).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    inner = rendered[3:-4]
    assert "<" not in inner, inner  # no element at all: only text and entities
    return html.unescape(inner)


def _one_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text)


def test_known_attacks_render_as_their_characters() -> None:
    for attack in ATTACKS:
        assert _rendered_text(literal(attack)) == _one_line(attack).strip()


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=1))
def test_any_printable_text_renders_as_itself(text: str) -> None:
    if not text.strip():
        return  # blank text renders as no paragraph at all
    assert _rendered_text(literal(text)) == _one_line(text).strip()


def test_chart_labels_show_tags_instead_of_obeying_them() -> None:
    from app.views import plot_text

    assert plot_text('<a href="https://attacker.example">Slack</a>') == (
        '&lt;a href="https://attacker.example"&gt;Slack&lt;/a&gt;'
    )
    assert plot_text("Visual Studio Code") == "Visual Studio Code"
