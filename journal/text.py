"""Plain text from Markdown, and what a card shows of it: an excerpt, words, reading time.

The plain text is read from the same parser that renders entries (with its
plugins), walking its tokens rather than scraping the HTML: an image gives its
alt text whether it is shown or linked, code stays as text, task boxes and
footnote marks disappear, and raw HTML typed in the body stays the literal text
the reader sees. The result is text, never markup: templates escape it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown_it.token import Token

from journal.markdown import parser

EXCERPT_LIMIT = 240
WORDS_PER_MINUTE = 200
ELLIPSIS = "\u2026"
# Scripts written without spaces between words, where each character counts as a
# word and a line may break between any two: Han (with its marks and radicals),
# Hiragana and Katakana (full and half width). Hangul uses spaces, so it is not here.
_CJK = (
    "\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u309f\u30a0-\u30ff"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
CJK_RE = re.compile(f"[{_CJK}]")
# Characters that end a cut excerpt badly: the ellipsis goes after the word instead.
_TRAILING = " ,;:-\u2013\u2014"


def _inline_text(tokens: Iterable[Token], pieces: list[str]) -> None:
    for token in tokens:
        if token.type in ("text", "code_inline"):
            pieces.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif token.type == "image":
            pieces.append(" ")
            _inline_text(token.children or [], pieces)
            pieces.append(" ")
        # Everything else is markup (emphasis, link tags, the task checkbox, footnote marks).


def plain_text(markdown_source: str) -> str:
    """The words of a Markdown body without its markup, whitespace collapsed to single spaces."""
    pieces: list[str] = []
    for token in parser().parse(markdown_source):
        if token.type == "inline":
            _inline_text(token.children or [], pieces)
        elif token.type in ("fence", "code_block"):
            pieces.append(token.content)
        pieces.append(" ")
    return " ".join("".join(pieces).split())


def _is_cjk(character: str) -> bool:
    return CJK_RE.match(character) is not None


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """At most ``limit`` characters of ``text`` (plus an ellipsis when it was cut).

    The cut falls between words, never inside one; text without spaces (Chinese,
    Japanese) may be cut between any two of its characters. A single word longer
    than the limit is the one thing cut where the limit falls.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = limit
    for position in range(limit, 0, -1):
        before, after = text[position - 1], text[position]
        if after == " " or _is_cjk(before) or _is_cjk(after):
            cut = position
            break
    head = text[:cut].rstrip(_TRAILING) or text[:cut]
    return head + ELLIPSIS


def word_count(text: str) -> int:
    """Words in ``text``: space-separated runs holding a letter or digit, and each CJK character."""
    characters = len(CJK_RE.findall(text))
    words = CJK_RE.sub(" ", text).split()
    return characters + sum(1 for word in words if any(c.isalnum() for c in word))


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` at about 200 words a minute, rounded, and at least 1."""
    return max(1, (words + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)
