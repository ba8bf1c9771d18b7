"""Durations in words, for people: "42 seconds", "3 minutes", "1 hour"."""

from __future__ import annotations

import math

UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60))


def plural(count: int, unit: str) -> str:
    """``"1 minute"``, ``"3 minutes"``."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def in_words(seconds: float) -> str:
    """A duration in the largest unit that says it exactly, rounding up to whole minutes.

    Under a minute counts seconds; above, whole minutes, or hours or days when the minutes
    make whole ones (5,400 s is "90 minutes", not a rounded "2 hours"). Rounding is always
    up: a wait said in words is never shorter than the real one.
    """
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return plural(whole, "second")
    minutes = math.ceil(whole / 60)
    for unit, size in UNITS:
        if size > 60 and minutes * 60 % size == 0:
            return plural(minutes * 60 // size, unit)
    return plural(minutes, "minute")
