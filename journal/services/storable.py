"""The one rule for text the databases can store: no NUL character, no lone surrogate.

PostgreSQL refuses a NUL in text and both databases refuse a string that is not valid
Unicode, so every write path (pages, API, import, CLI) asks here before it writes, and every
look-up by user-given text asks here before it queries.
"""

from __future__ import annotations

NUL_MESSAGE = "Text may not contain the NUL character."
SURROGATE_MESSAGE = "Text must be valid Unicode (no lone surrogates)."


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or ``None`` when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def is_storable(text: str) -> bool:
    """Whether ``text`` can be stored or looked up in the database."""
    return unstorable(text) is None
