from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.rendering import render_markdown

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "ul", "ol", "li", "a"}
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    '[x](https://a.org/"onmouseover="alert(1))',
    "[x](https://a.org/'onmouseover='alert(1))",
    "`<script>`",
    "**<b onclick=alert(1)>**",
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "_<svg/onload=alert(1)>_",
    "[**x**](https://a.org/_*_)",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    parser = _Collector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, html
        if tag != "a":
            assert attrs == [], html
            continue
        names = [name for name, _ in attrs]
        assert names == ["href", "rel", "target"], html
        href = dict(attrs)["href"].lower()
        assert href.startswith(("http://", "https://", "mailto:")), html


@pytest.mark.parametrize("payload", XSS)
def test_no_payload_produces_markup_or_script(payload):
    """Whatever the body, the only tags are the subset's, and links are http, https, mailto."""
    assert_safe(render_markdown(payload))


@given(st.text(alphabet=st.sampled_from(list("<>\"'`*_[]()&:/ \n-1.ajvscript=")), max_size=80))
def test_any_text_renders_only_the_subset(text):
    assert_safe(render_markdown(text))


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>"


def test_it_renders_the_safe_subset():
    html = render_markdown("**bold** *em* `code` [site](https://example.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow"' in html
    assert "<ul><li>one</li><li>two</li></ul>" in html


def test_links_keep_only_http_https_and_mailto():
    assert "<a " in render_markdown("[m](mailto:a@example.org)")
    assert "<a " not in render_markdown("[f](ftp://example.org)")
    assert "<a " not in render_markdown("[v](vbscript:msgbox)")
