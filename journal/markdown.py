"""Markdown to safe HTML: CommonMark by markdown-it-py (with its own plugins), then nh3.

Besides CommonMark, tables and strikethrough, people get what they type elsewhere:
bare URLs become links (linkify-it-py), ``- [ ]``/``- [x]`` become read-only
checkboxes and ``[^1]`` footnotes work (mdit-py-plugins). Images are shown only
from this site's own ``/media/<id>`` URLs; a remote image becomes a link to it, so a
reader's browser never fetches a stranger's file on its own.

Changing what this module emits changes new entries only: run
``flask journal rerender`` to bring stored HTML up to date.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "input", "label", "li", "ol", "p", "pre", "s", "section", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title"},
    "input": {"type", "checked", "class"},
    "ol": {"start", "class"},
    "ul": {"class"},
    "li": {"id", "class"},
    "sup": {"class"},
    "hr": {"class"},
    "section": {"class"},
    "code": {"class"},
}
# Set on every element of that kind whatever the source said: a task checkbox can
# never be ticked by a reader, and a photo loads only when scrolled near.
FORCED_ATTRIBUTES = {"input": {"disabled": "disabled"}, "img": {"loading": "lazy"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A fenced block's info string becomes ``class="language-…"``: keep only plain language names.
CODE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
# The classes the plugins emit (users cannot set classes: raw HTML is off).
PLUGIN_CLASSES = {
    "a": {"footnote-backref", "external-image"},
    "input": {"task-list-item-checkbox"},
    "ol": {"footnotes-list"},
    "ul": {"contains-task-list"},
    "li": {"task-list-item", "footnote-item"},
    "sup": {"footnote-ref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
}
FOOTNOTE_ID_RE = re.compile(r"fn(ref)?-[0-9a-f]{8}-[0-9]{1,6}(:[0-9]{1,6})?")
# This site's own photos: ``/media/<id>``, its thumbnail or original.
LOCAL_IMAGE_RE = re.compile(r"/media/[A-Za-z0-9_-]{1,64}(/thumb|/original)?", re.ASCII)
LINK_REL = "nofollow noopener noreferrer"


def is_local_image(src: str) -> bool:
    """Whether an image source is one of this site's own photos (shown inline)."""
    return LOCAL_IMAGE_RE.fullmatch(src) is not None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep only values the renderer itself makes: the source is user text."""
    if attribute == "class":
        if tag == "code":
            return value if CODE_CLASS_RE.fullmatch(value) else None
        wanted = PLUGIN_CLASSES.get(tag, set())
        kept = [name for name in value.split() if name in wanted]
        return " ".join(kept) or None
    if attribute == "id":
        return value if FOOTNOTE_ID_RE.fullmatch(value) else None
    if tag == "input" and attribute == "type":
        return value if value == "checkbox" else None
    if tag == "img" and attribute == "src":
        return value if is_local_image(value) else None
    return value


def _render_image(
    renderer: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """A local photo is an ``<img>``; a remote one a link to it; anything else its alt text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)  # type: ignore[attr-defined]
    if is_local_image(src):
        title = token.attrGet("title")
        title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"{title_attr} loading="lazy">'
    parts = urlsplit(src)
    if parts.scheme.lower() in ("http", "https", "") and parts.netloc:
        label = f"external image: {alt}" if alt.strip() else f"external image ({parts.hostname})"
        return f'<a href="{escapeHtml(src)}" class="external-image">{escapeHtml(label)}</a>'
    return escapeHtml(alt)


def _link_like_github(linkify: Any) -> None:
    """Link what GitHub links: ``http(s)://…``, ``www.…`` and e-mail addresses.

    linkify-it's default also links any word with a dot and a country code after it
    (``main.py``, ``readme.md``, ``know.it``), and ``ftp://``/``//host``; in a journal
    those are nearly always prose or file names.
    """
    www = re.compile(linkify.re["src_host_port_strict"] + linkify.re["src_path"], re.IGNORECASE)

    def with_scheme(_linkify: Any, match: Any) -> None:
        match.url = "http://" + match.url

    linkify.set({"fuzzy_link": False})
    linkify.add("www.", {"validate": www, "normalize": with_scheme})
    linkify.add("ftp:", None).add("//", None)


@cache
def parser() -> MarkdownIt:
    """The one configured parser: used to render, and to read plain text (``journal.text``)."""
    # html=False: raw HTML in the source is shown as text, never passed through.
    md = (
        MarkdownIt("commonmark", {"html": False, "linkify": True})
        .enable(["table", "strikethrough", "linkify"])
        .use(tasklists_plugin, label=True)  # the item's text labels its checkbox
        .use(footnote_plugin)
    )
    _link_like_github(cast(Any, md.linkify))  # linkify-it-py ships no type information
    md.add_render_rule("image", _render_image)
    return md


def render_markdown(source: str) -> str:
    """Render Markdown to HTML with no script, handlers, styles or unsafe URLs."""
    # Footnote ids carry a digest of the body ("fn-1a2b3c4d-1"), so several entries shown
    # on one page (a day, "on this day") never share an id or jump to each other's notes.
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]
    html = parser().render(source, {"docId": digest})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=FORCED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )
