"""What a tag is: letters of any script, digits, ``-`` and ``_``, NFKC-normalised and case-folded.

``Ünïcode`` is stored as ``ünïcode``, ``ＡＢＣ`` (fullwidth) as ``abc``, ``ǅ`` as
``dž``; ``日記`` is a tag as it is. Slashes, spaces inside a tag, punctuation,
symbols and emoji are not. Every refused tag is reported at once, so a form can
name them all in one message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

TAG_MAX_LENGTH = 32
TAGS_MAX = 10
TAG_RULE = (
    f"1–{TAG_MAX_LENGTH} letters (any script), digits, '-' or '_'; at most {TAGS_MAX} tags, "
    "separated by commas"
)
# Besides letters (L*), marks (M*: accents and vowel signs belong to their letters)
# and digits (N*), only these two are allowed.
_EXTRA = frozenset("-_")
# Marks that turn a character into an emoji rather than spell a word: variation
# selectors (U+FE0F makes "1" a keycap) and the enclosing marks (category Me).
_EMOJI_MARKS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# Commas as typed in other scripts: fullwidth (NFKC makes it ",") and ideographic.
_SEPARATORS = re.compile("[,\uff0c\u3001]")


def split_tags(raw: str) -> list[str]:
    """Split a tag field on commas (also the fullwidth and ideographic ones); drop empty parts."""
    return [part for part in (piece.strip() for piece in _SEPARATORS.split(raw)) if part]


def _allowed(character: str) -> bool:
    category = unicodedata.category(character)
    return (category[0] in "LN" or category in ("Mn", "Mc")) or character in _EXTRA


def normalise_tag(raw: str) -> str | None:
    """The stored form of a tag, or ``None`` when ``raw`` is not a tag.

    NFKC, then case folding, then NFKC again (folding can undo the first
    normalisation, as with ``ǅ``), so equal-looking tags become one.
    """
    tag = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw.strip()).casefold())
    if not 1 <= len(tag) <= TAG_MAX_LENGTH:
        return None
    if unicodedata.category(tag[0])[0] == "M" or _EMOJI_MARKS.search(tag):
        return None  # a tag does not start with a combining mark, nor spell an emoji
    if not all(_allowed(character) for character in tag):
        return None
    return tag


class TagCheck(NamedTuple):
    """The tags to store (normalised, de-duplicated, in order) and every refused one as typed."""

    tags: list[str]
    refused: list[str]

    @property
    def too_many(self) -> bool:
        """Whether there are more tags than an entry may have."""
        return len(self.tags) > TAGS_MAX

    def messages(self) -> list[str]:
        """What to tell the writer: all refused tags in one line, then the count, if broken."""
        found: list[str] = []
        if self.refused:
            names = ", ".join(f"'{name[:40]}'" for name in self.refused)
            noun = "is not a tag" if len(self.refused) == 1 else "are not tags"
            found.append(f"{names} {noun}: use {TAG_RULE.split(';')[0]}.")
        if self.too_many:
            found.append(f"Use at most {TAGS_MAX} tags (there are {len(self.tags)}).")
        return found


def check_tags(raw_tags: Iterable[str]) -> TagCheck:
    """Normalise each tag; collect the refused ones instead of stopping at the first.

    Blank items are skipped; duplicates (after normalising) are kept once. The caller
    decides what to do with ``refused`` and ``too_many`` (``messages`` words them).
    """
    tags: list[str] = []
    refused: list[str] = []
    for raw in raw_tags:
        typed = raw.strip()
        if not typed:
            continue
        tag = normalise_tag(typed)
        if tag is None:
            if typed not in refused:
                refused.append(typed)
        elif tag not in tags:
            tags.append(tag)
    return TagCheck(tags, refused)
