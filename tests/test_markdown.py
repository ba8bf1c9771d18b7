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
    "javascript in linkified text": "see javascript:alert(1) and www.ok.example/?q=<script>x",
    "quote in a bare URL": 'https://ok.example/"onmouseover="alert(1)" x',
    "bare data URL": "data:text/html,<script>alert(1)</script>",
    "bare vbscript URL": "vbscript:msgbox(1) www.ok.example",
    "task item with handler": "- [x] <img src=x onerror=alert(1)>\n- [ ] <b onclick=alert(1)>",
    "task item with a link": "- [ ] [x](javascript:alert(1))",
    "footnote with javascript": "x[^1]\n\n[^1]: [y](javascript:alert(1))",
    "footnote label with quotes": 'x[^a" onclick="alert(1)]\n\n[^a" onclick="alert(1)]: y',
    "remote image": "![x](https://img.example/a.png)",
    "protocol-relative image": "![x](//img.example/a.png)",
    "javascript image": "![x](javascript:alert(1))",
    "data svg image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "data gif image": "![x](data:image/gif;base64,R0lGODlhAQABAAAAACw=)",
    "image alt breaking out": '![x" onerror="alert(1)](/media/1)',
    "media path traversal": "![x](/media/../../logout)",
    "media look-alike host": "![x](https://evil.example/media/1)",
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


LOCAL_IMAGE = re.compile(r"^/media/[A-Za-z0-9_-]+(/thumb|/original)?$")


def assert_safe(prose: BeautifulSoup) -> None:
    """No active content: no script-ish elements, handlers, styles or unsafe URLs."""
    forbidden = "script, style, iframe, object, embed, svg, math, form, meta, base, link"
    assert prose.select(forbidden) == []
    # The only input is a task list's checkbox, and a reader cannot tick it.
    for box in prose.select("input"):
        assert box.get("type") == "checkbox" and box.has_attr("disabled"), box
        assert set(box.attrs) <= {"type", "checked", "disabled", "class"}, box
    # Only this site's own photos load; nothing remote is fetched by the reader's browser.
    for image in prose.select("img"):
        assert LOCAL_IMAGE.match(image.get("src", "")), image
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
        ("![alt](/media/12)", "img[src='/media/12'][alt='alt'][loading='lazy']", ""),
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


# Markdown people write: what each construct becomes, read back from the stored HTML.
FEATURES = {
    "bare URL": ("see https://ok.example/a?b=1.", "a[href='https://ok.example/a?b=1']",
                 "https://ok.example/a?b=1"),
    "bare www": ("at www.example.com today", "a[href='http://www.example.com']", "www.example.com"),
    "bare email": ("write to me@example.org", "a[href='mailto:me@example.org']", "me@example.org"),
    "open task": ("- [ ] buy milk", "li input[type=checkbox][disabled]:not([checked])",
                  ""),
    "done task": ("- [x] call mum", "li input[type=checkbox][disabled][checked]", ""),
    "task text": ("- [x] call mum", "ul.contains-task-list li.task-list-item", " call mum"),
    "task checkbox is labelled": ("- [x] call mum", "li.task-list-item > label:has(> input)",
                                  " call mum"),
    "footnote reference": ("Said so[^1].\n\n[^1]: In a letter.", "sup.footnote-ref a[href^='#fn-']",
                           "[1]"),
    "footnote text": ("Said so[^1].\n\n[^1]: In a letter.", "section.footnotes li[id^='fn-'] p",
                      "In a letter. \u21a9\ufe0e"),
    "footnote back link": ("Said so[^1].\n\n[^1]: In a letter.",
                           "li a.footnote-backref[href^='#fnref-']", "\u21a9\ufe0e"),
    "remote image is a link": ("![a cat](https://img.example/cat.png)",
                               "a.external-image[href='https://img.example/cat.png']",
                               "external image: a cat"),
    "remote image without alt": ("![](https://img.example/cat.png)",
                                 "a.external-image[href='https://img.example/cat.png']",
                                 "external image (img.example)"),
    "local photo stays an image": ("![a cat](/media/42)",
                                   "img[src='/media/42'][alt='a cat'][loading=lazy]", ""),
    "local thumbnail is an image": ("![t](/media/ab_C-9/thumb)", "img[src='/media/ab_C-9/thumb']",
                                       ""),
    "link in a code span stays text": ("`https://ok.example`", "code", "https://ok.example"),
}  # fmt: skip


@pytest.mark.parametrize(("source", "selector", "text"), FEATURES.values(), ids=FEATURES.keys())
def test_markdown_people_write_renders(source, selector, text):
    html = render_markdown(source)
    document = BeautifulSoup(html, "html.parser")
    element = document.select_one(selector)
    assert element is not None, html
    assert element.get_text() == text
    assert_safe(document)


@pytest.mark.parametrize(
    "source",
    [
        "![x](https://img.example/a.png)",
        "![x](//img.example/a.png)",
        "![x](http://img.example/a.png)",
        "![x](https://evil.example/media/1)",
        "![x](media/1)",
        "![x](/media/1/../../x)",
        "![x](/static/logo.png)",
        "![x](data:image/gif;base64,R0lGODlhAQABAAAAACw=)",
        "![x][r]\n\n[r]: https://img.example/a.png",
    ],
)
def test_only_this_sites_photos_become_images(source):
    html = render_markdown(source)
    assert "<img" not in html
    assert "x" in BeautifulSoup(html, "html.parser").get_text()


def test_a_code_span_is_not_linkified():
    html = render_markdown("`www.ok.example` and ```https://ok.example```")
    assert "<a" not in html


@pytest.mark.parametrize(
    "text",
    [
        "ftp://files.example/x",
        "//host.example/y",
        "edit main.py and readme.md",  # file names are not domains
        "example.com",  # a bare domain, as on GitHub, stays text
        "you know.it",
        "awww.example.com",
    ],
)
def test_text_that_only_looks_like_a_link_stays_text(text):
    html = render_markdown(text)
    assert "<a" not in html
    assert BeautifulSoup(html, "html.parser").get_text().strip() == text


@pytest.mark.parametrize(
    ("text", "href", "linked"),
    [
        ("(www.example.org/a?b=1)", "http://www.example.org/a?b=1", "www.example.org/a?b=1"),
        ("end of www.example.com.", "http://www.example.com", "www.example.com"),
        ("WWW.EXAMPLE.COM/x", "http://WWW.EXAMPLE.COM/x", "WWW.EXAMPLE.COM/x"),
        ("www.example.com:8080/a", "http://www.example.com:8080/a", "www.example.com:8080/a"),
        ("http://a.example, then", "http://a.example", "http://a.example"),
    ],
)
def test_www_and_scheme_links_end_where_the_url_ends(text, href, linked):
    link = BeautifulSoup(render_markdown(text), "html.parser").select_one("a")
    assert (link["href"], link.get_text()) == (href, linked)


def test_task_list_and_remote_image_on_the_entry_page(page_of):
    prose = page_of("- [x] done\n- [ ] open\n\n![cat](https://img.example/cat.png)")
    boxes = prose.select("input[type=checkbox]")
    assert [box.has_attr("checked") for box in boxes] == [True, False]
    assert all(box.has_attr("disabled") for box in boxes)
    assert prose.select("img") == []
    link = prose.select_one("a.external-image")
    assert link["href"] == "https://img.example/cat.png"
    assert link.get_text() == "external image: cat"


def test_footnote_links_and_ids_match_and_differ_between_entries():
    first = BeautifulSoup(render_markdown("One[^1].\n\n[^1]: a"), "html.parser")
    second = BeautifulSoup(render_markdown("Two[^1].\n\n[^1]: b"), "html.parser")
    ids = []
    for document in (first, second):
        reference = document.select_one("sup.footnote-ref a")
        note = document.select_one("section.footnotes li")
        back = note.select_one("a.footnote-backref")
        assert reference["href"] == "#" + note["id"]
        assert back["href"] == "#" + reference["id"]
        ids.append(note["id"])
    assert ids[0] != ids[1]  # two entries on one page never share an id
    assert render_markdown("One[^1].\n\n[^1]: a") == render_markdown("One[^1].\n\n[^1]: a")
