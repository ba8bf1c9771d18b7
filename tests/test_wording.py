"""Durations in words: what the 429 page and the reset mail say."""

from __future__ import annotations

import pytest

from journal.wording import in_words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "1 second"),
        (1, "1 second"),
        (0.2, "1 second"),
        (42, "42 seconds"),
        (59.5, "1 minute"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (180, "3 minutes"),
        (3599, "1 hour"),
        (3600, "1 hour"),
        (3601, "61 minutes"),
        (5400, "90 minutes"),
        (7200, "2 hours"),
        (86_400, "1 day"),
        (90_000, "25 hours"),
        (172_800, "2 days"),
    ],
)
def test_duration_in_words_rounds_up_to_the_largest_exact_unit(seconds, words):
    assert in_words(seconds) == words
