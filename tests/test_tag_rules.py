"""What a tag is, after NFKC normalisation and case folding, in any script."""

from __future__ import annotations

import pytest

from journal.services.tag_rules import (
    TAG_MAX_LENGTH,
    TAGS_MAX,
    TagCheck,
    check_tags,
    normalise_tag,
    split_tags,
)

ACCEPTED = {
    "ascii": ("diary", "diary"),
    "upper case folded": ("Travel", "travel"),
    "digits": ("2024", "2024"),
    "hyphen and underscore": ("road-trip_2", "road-trip_2"),
    "only a hyphen": ("-", "-"),
    "spaces around trimmed": ("  work  ", "work"),
    "accents": ("Ünïcode", "ünïcode"),
    "combining accent composed": ("e\u0301te\u0301", "été"),
    "Japanese": ("日記", "日記"),
    "Chinese": ("旅行", "旅行"),
    "Korean": ("일기", "일기"),
    "Cyrillic folded": ("Привет", "привет"),
    "Greek final sigma folded": ("ΟΔΟΣ", "οδοσ"),
    "Arabic": ("يوميات", "يوميات"),
    "Arabic-Indic digits": ("١٢٣", "١٢٣"),
    "Devanagari with vowel signs": ("हिन्दी", "हिन्दी"),
    "Thai with marks": ("ภาษาไทย", "ภาษาไทย"),
    "titlecase digraph": ("ǅungla", "džungla"),
    "uppercase digraph": ("Ǆ", "dž"),
    "fullwidth letters": ("ＡＢＣ", "abc"),
    "fullwidth digits": ("１２３", "123"),
    "sharp s folds to ss": ("Straße", "strasse"),
    "capital sharp s": ("STRAẞE", "strasse"),
    "ligature": ("ﬁsh", "fish"),
    "circled digit": ("①", "1"),
    "roman numeral": ("Ⅻ", "xii"),
    "dotted capital I": ("İzmir", "i\u0307zmir"),
    "32 characters": ("a" * TAG_MAX_LENGTH, "a" * TAG_MAX_LENGTH),
    "32 after folding": ("ß" * 16, "ss" * 16),
}  # fmt: skip

REFUSED = {
    "empty": "",
    "blank": "   ",
    "slash": "a/b",
    "space inside": "two words",
    "dot": "v1.2",
    "hash sign": "#tag",
    "at sign": "@home",
    "comma": "a,b",
    "quote": "it's",
    "angle brackets": "<b>",
    "33 characters": "a" * (TAG_MAX_LENGTH + 1),
    "33 after folding": "ß" * 17,
    "emoji": "🙂",
    "emoji with a word": "cat🐈",
    "emoji with variation selector": "❤️",
    "keycap emoji": "1️⃣",
    "flag": "🇯🇵",
    "zero-width joiner": "a\u200db",
    "starts with a combining mark": "\u0301e",
    "symbol": "a+b",
    "currency": "€uro",
    "control character": "a\x00b",
    "newline": "a\nb",
    "fullwidth solidus": "ａ／ｂ",
}  # fmt: skip


@pytest.mark.parametrize(("raw", "tag"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_normalise_tag_accepts_letters_of_any_script(raw, tag):
    assert normalise_tag(raw) == tag
    assert normalise_tag(tag) == tag  # the stored form is stable


@pytest.mark.parametrize("raw", REFUSED.values(), ids=REFUSED.keys())
def test_normalise_tag_refuses(raw):
    assert normalise_tag(raw) is None


def test_equal_looking_tags_become_one():
    check = check_tags(["Ünïcode", "u\u0308ni\u0308code", "ÜNÏCODE", "ünïcode"])
    assert check == TagCheck(["ünïcode"], [])


def test_check_tags_names_every_refused_tag_at_once():
    check = check_tags(["ok", "a/b", "日記", "🙂", "", "  ", "a/b", "Ok", "x" * 40])
    assert check.tags == ["ok", "日記"]
    assert check.refused == ["a/b", "🙂", "x" * 40]
    assert not check.too_many
    assert check.messages() == [
        f"'a/b', '🙂', '{'x' * 40}' are not tags: use 1–32 letters (any script), digits, "
        "'-' or '_'."
    ]


def test_one_refused_tag_is_named_in_the_singular():
    assert check_tags(["a b"]).messages() == [
        "'a b' is not a tag: use 1–32 letters (any script), digits, '-' or '_'."
    ]


def test_a_long_refused_tag_is_shortened_in_the_message():
    (message,) = check_tags(["y" * 100]).messages()
    assert "'" + "y" * 40 + "'" in message
    assert "y" * 41 not in message


def test_ten_tags_are_fine_and_eleven_too_many():
    ten = check_tags([f"t{n}" for n in range(TAGS_MAX)])
    assert not ten.too_many and ten.messages() == []
    eleven = check_tags([f"t{n}" for n in range(TAGS_MAX + 1)])
    assert eleven.too_many
    assert eleven.messages() == ["Use at most 10 tags (there are 11)."]


def test_duplicates_do_not_count_towards_the_limit():
    check = check_tags([f"t{n}" for n in range(TAGS_MAX)] + ["T0", "Ｔ1"])
    assert len(check.tags) == TAGS_MAX and not check.too_many


def test_refused_and_too_many_are_both_reported():
    check = check_tags([f"t{n}" for n in range(12)] + ["a/b"])
    assert len(check.messages()) == 2


def test_check_tags_of_nothing():
    assert check_tags([]) == TagCheck([], [])
    assert check_tags([]).messages() == []


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("", []),
        ("a, b ,c", ["a", "b", "c"]),
        ("a,,b,", ["a", "b"]),
        ("日記，旅行", ["日記", "旅行"]),  # fullwidth comma
        ("日記、旅行", ["日記", "旅行"]),  # ideographic comma
        ("two words, x", ["two words", "x"]),
    ],
)
def test_split_tags(raw, parts):
    assert split_tags(raw) == parts
