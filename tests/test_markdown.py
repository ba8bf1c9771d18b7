"""Markdown is rendered once, on save, to sanitised HTML: hostile input never reaches a page."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from journal.extensions import db
from journal.markdown import render_markdown
from journal.models import Entry
from tests.helpers import post_form

REL = {"nofollow", "noopener", "noreferrer"}
UNSAFE_URL = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)

HOSTILE = {
    "script element": "<script>alert(1)</script>",
    "script split over lines": "<scr\nipt>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)><circle/></svg>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style element": "<style>body { display: none }</style>",
    "raw anchor with javascript": "<a href='javascript:alert(1)'>click</a>",
    "javascript link": "[x](javascript:alert(1))",
    "mixed-case javascript link": "[x](JaVaScRiPt:alert(1))",
    "javascript link with spaces": "[x](  javascript:alert(1))",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "data image": "![x](data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==)",
    "data html link": "[x](data:text/html,<script>alert(1)</script>)",
    "data link base64": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "html comment": "before <!-- <script>alert(1)</script> --> after",
    "nested tags": "<div><p><b><i>deep</i></b></p></div>",
    "malformed tags": "<b><i>x</b></i><img src=x onerror=alert(1)//",
    "unclosed attribute": '<a href="x" onclick="alert(1)>y</a>',
    "autolink javascript": "<javascript:alert(1)>",
    "autolink data": "<data:text/html,alert(1)>",
    "reference link javascript": "[x][evil]\n\n[evil]: javascript:alert(1)",
    "reference image data": "![x][evil]\n\n[evil]: data:image/svg+xml,<svg/onload=alert(1)>",
    "entity-encoded colon": "[x](javascript&#58;alert(1))",
    "entity-encoded letter": "[x](&#106;avascript:alert(1))",
    "hex entity colon": "[x](javascript&#x3A;alert(1))",
    "tab in scheme": "[x](java\tscript:alert(1))",
    "image title breaking out": '![x](https://img.example/a.png "a\\" onerror=\\"alert(1)")',
    "link title breaking out": '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "code info string": '```" onmouseover="alert(1)\ncode\n```',
    "table alignment": "| a | b |\n|:--|--:|\n| 1 | 2 |",
    "inline style": '<p style="position:fixed">x</p>',
    "form and input": '<form action="https://evil.example"><input name="p"></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "object embed": '<object data="x.swf"></object><embed src="x.swf">',
    "base tag": '<base href="https://evil.example/">',
}


@pytest.fixture
def page_of(client, user, make_entry):
    """The parsed ``.prose`` of the entry page showing an entry with this body."""

    def render(body: str) -> BeautifulSoup:
        entry_id = make_entry(user, body=body)
        response = client.get(f"/entries/{entry_id}")
        assert response.status_code == 200
        document = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        # The only script on the whole page is our own static file; the body adds none.
        scripts = document.select("script")
        assert [script.get("src", "").split("?")[0] for script in scripts] == ["/static/app.js"]
        assert all(not script.get_text().strip() for script in scripts)
        prose = document.select_one("article.entry .prose")
        assert prose is not None
        return prose

    return render


def assert_safe(prose: BeautifulSoup) -> None:
    """No active content: no script-ish elements, handlers, styles or unsafe URLs."""
    forbidden = "script, style, iframe, object, embed, svg, math, form, input, meta, base, link"
    assert prose.select(forbidden) == []
    for element in prose.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), element
            assert name.lower() != "style", element
            if name in ("href", "src"):
                assert not UNSAFE_URL.match(re.sub(r"[\x00-\x20]", "", value)), element
    for link in prose.select("a"):
        assert set(link.get("rel", [])) == REL, link


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_is_inert_on_the_entry_page(page_of, body):
    assert_safe(page_of(body))


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_is_inert_in_the_stored_html(body):
    assert_safe(BeautifulSoup(render_markdown(body), "html.parser"))


def test_raw_html_is_shown_as_text(page_of):
    prose = page_of("<b>not bold</b>")
    assert prose.select("b") == []
    assert "<b>not bold</b>" in prose.get_text()


def test_comment_does_not_hide_text_or_survive(page_of):
    prose = page_of("before <!-- secret --> after")
    assert "<!--" not in str(prose).replace("&lt;!--", "")


def test_links_get_rel_and_keep_safe_urls(page_of):
    prose = page_of(
        "[site](https://ok.example/a?b=1) and <https://auto.example> and [m](mailto:a@example.org)"
    )
    hrefs = [a["href"] for a in prose.select("a")]
    assert hrefs == ["https://ok.example/a?b=1", "https://auto.example", "mailto:a@example.org"]
    assert_safe(prose)


def test_tables_render_without_style_attributes(page_of):
    prose = page_of("| left | right |\n|:--|--:|\n| 1 | 2 |")
    assert [th.get_text() for th in prose.select("table thead th")] == ["left", "right"]
    assert prose.select("[style]") == []
    assert prose.select("[align]") == []


@pytest.mark.parametrize(
    ("source", "selector", "text"),
    [
        ("**bold**", "strong", "bold"),
        ("_italic_", "em", "italic"),
        ("# Heading", "h1", "Heading"),
        ("- one\n- two", "ul li", "one"),
        ("3. three", "ol[start='3'] li", "three"),
        ("> quoted", "blockquote p", "quoted"),
        ("`code`", "code", "code"),
        ("```python\nprint(1)\n```", "pre code.language-python", "print(1)\n"),
        ("~~gone~~", "s", "gone"),
        ("![alt](https://img.example/a.png)", "img[src='https://img.example/a.png']", ""),
    ],
)
def test_ordinary_markdown_renders(page_of, source, selector, text):
    element = page_of(source).select_one(selector)
    assert element is not None
    assert element.get_text() == text


def test_code_block_class_keeps_only_a_language_name():
    html = render_markdown('```" onmouseover="alert(1)\nx\n```')
    code = BeautifulSoup(html, "html.parser").select_one("pre code")
    assert code is not None and not code.has_attr("class")


def test_body_is_rendered_on_save_and_again_on_edit(app, signed_in):
    response = post_form(
        signed_in, "/entry", title="T", body="**first**", visibility="private", tags=""
    )
    entry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Entry, entry_id).body_html == "<p><strong>first</strong></p>\n"
    response = post_form(
        signed_in, f"/entries/{entry_id}/edit", title="T", body="_second_ <script>x</script>",
        visibility="private", tags="",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(Entry, entry_id).body_html
    assert stored == "<p><em>second</em> &lt;script&gt;x&lt;/script&gt;</p>\n"
    prose = BeautifulSoup(
        signed_in.get(f"/entries/{entry_id}").get_data(as_text=True), "html.parser"
    )
    assert prose.select_one(".prose em").get_text() == "second"
