"""Markdown to safe HTML: CommonMark by markdown-it-py, then sanitised by nh3."""

from __future__ import annotations

import html
import re
from functools import cache

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# A fenced block's info string becomes ``class="language-…"``: keep only plain language names.
CODE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
LINK_REL = "nofollow noopener noreferrer"
# Tags inside a run of text: dropped without a space, so ``**zep**pelin`` stays one word.
INLINE_TAGS = "a|abbr|b|code|del|em|i|s|strong|sub|sup"
_INLINE_TAG_RE = re.compile(rf"</?(?:{INLINE_TAGS})(?:\s[^>]*)?>")
_ANY_TAG_RE = re.compile(r"<[^>]*>")
_SPACES_RE = re.compile(r"\s+")


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop a code block's class unless it names a language (the info string is user text)."""
    if tag == "code" and attribute == "class":
        return value if CODE_CLASS_RE.fullmatch(value) else None
    return value


@cache
def _parser() -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(source: str) -> str:
    """Render Markdown to HTML with no script, handlers, styles or unsafe URLs."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def plain_text(body_html: str) -> str:
    """The words a reader sees in rendered HTML, without markup: what search shows and finds.

    ``body_html`` is ``render_markdown``'s output (sanitised, so every ``<`` starts a tag):
    inline tags go, block tags become a space, entities become characters.
    """
    text = _ANY_TAG_RE.sub(" ", _INLINE_TAG_RE.sub("", body_html))
    return _SPACES_RE.sub(" ", html.unescape(text)).strip()
