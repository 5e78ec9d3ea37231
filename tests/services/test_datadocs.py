"""Data Docs pages are cleaned so that they work offline and run no script."""

from __future__ import annotations

from services.datadocs import scrub

PAGE = (
    '<html><head><link rel="stylesheet" href="https://cdn.example/b.css"/>'
    '<link rel="stylesheet" href="../static/styles/local.css">'
    '<script src="https://code.jquery.com/jquery.js"></script>'
    "<script>\n$('#t').bootstrapTable();\n</script></head>"
    '<body onload="go()"><img src="//cdn.example/logo.png"><img src="../static/logo.png">'
    '<a href="https://greatexpectations.io">GX</a> <a href="../index.html">Home</a>'
    "<table><tr><td>expect_column_values_to_be_between</td></tr></table></body></html>"
)


def test_scrub_removes_every_external_address_and_script_but_keeps_local_ones() -> None:
    clean = scrub(PAGE)
    assert "http" not in clean and "//cdn" not in clean
    assert "<script" not in clean and "onload" not in clean
    assert 'href="../static/styles/local.css"' in clean and 'src="../static/logo.png"' in clean
    assert '<a href="../index.html">Home</a>' in clean and "<a>GX</a>" in clean
    assert "expect_column_values_to_be_between" in clean and "<style>" in clean
