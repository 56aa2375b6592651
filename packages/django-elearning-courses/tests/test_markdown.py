"""Markdown rendering: CommonMark + tables, sanitized (no raw HTML, no script URLs, no images)."""

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from elearning_courses.markdown import render_markdown


def test_commonmark_and_tables():
    html = render_markdown(
        "# Title\n\n*a* **b** `c`\n\n- one\n- two\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n~~old~~"
    )
    assert isinstance(html, SafeString)
    for part in [
        "<h1>Title</h1>",
        "<em>a</em>",
        "<strong>b</strong>",
        "<code>c</code>",
        "<li>one</li>",
        "<table>",
        "<td>2</td>",
        "<s>old</s>",
    ]:
        assert part in html, part


@pytest.mark.parametrize(
    "text, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ('<a href="https://x.example" onclick="alert(1)">x</a>', "<a "),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ("[x](JaVaScRiPt:alert(1))", "href="),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
        ("<div style='color:red'>x</div>", "<div"),
    ],
)
def test_no_raw_html_or_script_urls(text, forbidden):
    assert forbidden.lower() not in render_markdown(text).lower()


def test_links_get_rel_and_keep_safe_schemes():
    html = render_markdown("[site](https://example.com) [mail](mailto:a@example.com) [page](/courses/)")
    assert '<a href="https://example.com" rel="nofollow noopener">site</a>' in html
    assert 'href="mailto:a@example.com"' in html
    assert 'href="/courses/"' in html


def test_images_become_links():
    html = render_markdown("![chart](https://example.com/chart.png)")
    assert "<img" not in html
    assert '<a href="https://example.com/chart.png" rel="nofollow noopener">chart</a>' in html


def test_empty_and_filter():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
    out = Template("{% load elearning_courses %}{{ text|markdown }}").render(
        Context({"text": "**x** <b>y</b>"})
    )
    assert out == "<p><strong>x</strong> &lt;b&gt;y&lt;/b&gt;</p>\n"
