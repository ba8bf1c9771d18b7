"""Plain text, excerpts, word counts and reading time of an entry's body."""

from __future__ import annotations

import pytest

from journal.text import ELLIPSIS, excerpt, plain_text, reading_minutes, word_count

PLAIN = {
    "paragraphs": ("One.\n\nTwo.", "One. Two."),
    "emphasis and headings": ("# Day\n\nA *very* **good** ~~bad~~ day", "Day A very good bad day"),
    "links keep their text": ("[the site](https://example.org) and <https://x.example>",
                              "the site and https://x.example"),
    "bare links": ("see www.example.com now", "see www.example.com now"),
    "code span kept": ("run `make test` first", "run make test first"),
    "code block kept": ("```python\nprint('hi')\n```", "print('hi')"),
    "indented code kept": ("    x = 1\n    y = 2", "x = 1 y = 2"),
    "remote image gives alt": ("![a red *kite*](https://img.example/k.png) flew",
                               "a red kite flew"),
    "local image gives alt": ("![our cat](/media/12)", "our cat"),
    "image inside a word": ("a![b](/media/1)c", "a b c"),
    "lists": ("- one\n- two\n\n1. three", "one two three"),
    "task list": ("- [x] done\n- [ ] open", "done open"),
    "footnotes": ("Said[^1].\n\n[^1]: In a letter.", "Said. In a letter."),
    "table": ("| a | b |\n|---|---|\n| 1 | 2 |", "a b 1 2"),
    "quote": ("> quoted\n> text", "quoted text"),
    "entities decoded": ("fish &amp; chips &copy;", "fish & chips ©"),
    "raw HTML is the literal text": ("<b>not bold</b>", "<b>not bold</b>"),
    "script stays text": ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    "hard break": ("line one  \nline two", "line one line two"),
    "whitespace collapsed": ("  a\t\tb \n\n\n c  ", "a b c"),
    "empty": ("", ""),
    "only markup": ("---\n\n***", ""),
    "CJK": ("# 日記\n\n今日は**晴れ**でした。", "日記 今日は晴れでした。"),
}  # fmt: skip


@pytest.mark.parametrize(("source", "text"), PLAIN.values(), ids=PLAIN.keys())
def test_plain_text_removes_markdown(source, text):
    assert plain_text(source) == text


LONG = "The quick brown fox jumps over the lazy dog"

EXCERPTS = {
    "short text unchanged": (LONG, 100, LONG),
    "exactly the limit": (LONG, len(LONG), LONG),
    "cut at the space before the limit": (LONG, 12, "The quick" + ELLIPSIS),
    "limit falls on a space": (LONG, 9, "The quick" + ELLIPSIS),
    "limit falls just after a word": (LONG, 10, "The quick" + ELLIPSIS),
    "limit inside the first word": ("Extraordinary things", 5, "Extra" + ELLIPSIS),
    "one long word": ("x" * 300, 240, "x" * 240 + ELLIPSIS),
    "trailing comma dropped": ("one, two, three", 10, "one, two" + ELLIPSIS),
    "dash dropped": ("one - two three", 7, "one" + ELLIPSIS),
    "whitespace collapsed first": ("a  \n\n b   c", 10, "a b c"),
    "Japanese cut at the limit": ("今日は晴れでした。明日は雨です。", 5, "今日は晴れ" + ELLIPSIS),
    "Chinese cut at the limit": ("我们今天去公园散步了", 4, "我们今天" + ELLIPSIS),
    "mixed: cut before a CJK character": ("hello世界", 5, "hello" + ELLIPSIS),
    "mixed: cut between CJK characters": ("hello世界", 6, "hello世" + ELLIPSIS),
    "mixed: Latin word not split after CJK": ("世界hello", 4, "世界" + ELLIPSIS),
    "mixed: Latin word kept whole": ("日本 Tokyo", 6, "日本" + ELLIPSIS),
    "Korean uses spaces": ("오늘은 날씨가 좋았다", 5, "오늘은" + ELLIPSIS),
}  # fmt: skip


@pytest.mark.parametrize(("text", "limit", "expected"), EXCERPTS.values(), ids=EXCERPTS.keys())
def test_excerpt_cuts_between_words(text, limit, expected):
    result = excerpt(text, limit)
    assert result == expected
    assert len(result.removesuffix(ELLIPSIS)) <= limit


def test_excerpt_default_is_about_240_characters_and_never_splits_a_word():
    words = [f"word{n}" for n in range(200)]
    text = " ".join(words)
    result = excerpt(text)
    assert result.endswith(ELLIPSIS)
    kept = result.removesuffix(ELLIPSIS)
    assert 200 < len(kept) <= 240
    assert kept.split() == words[: len(kept.split())]


def test_excerpt_refuses_a_limit_below_one():
    with pytest.raises(ValueError, match="limit"):
        excerpt("text", 0)


def test_excerpt_of_plain_text_from_markdown():
    body = "# A walk\n\nWe went **out** to [the park](https://example.org). " + "Then more. " * 50
    result = excerpt(plain_text(body), 30)
    assert result == "A walk We went out to the" + ELLIPSIS


WORDS = {
    "empty": ("", 0),
    "spaces only": ("   \n\t ", 0),
    "plain words": ("The quick brown fox", 4),
    "punctuation alone is not a word": ("yes — no - maybe !", 3),
    "numbers count": ("3 apples and 12 pears", 5),
    "hyphenated word": ("well-known fact", 2),
    "accented": ("Ünïcode café naïve", 3),
    "Japanese one a character": ("今日は晴れ", 5),
    "Chinese one a character, punctuation not": ("我们去公园。", 5),
    "mixed scripts": ("I love 東京 in May", 6),
    "Korean by spaces": ("오늘은 날씨가 좋았다", 3),
    "Cyrillic": ("Привет, мир", 2),
}  # fmt: skip


@pytest.mark.parametrize(("text", "count"), WORDS.values(), ids=WORDS.keys())
def test_word_count(text, count):
    assert word_count(text) == count


@pytest.mark.parametrize(
    ("words", "minutes"),
    [(0, 1), (1, 1), (99, 1), (299, 1), (300, 2), (400, 2), (499, 2), (500, 3), (2000, 10)],
)
def test_reading_minutes_at_about_200_words_a_minute(words, minutes):
    assert reading_minutes(words) == minutes
