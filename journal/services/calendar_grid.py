"""Calendar grids and writing statistics from per-day totals: pure logic, no database.

The caller counts a reader's entries and words per *local* day (one grouped query)
and passes ``{date: (entry_count, word_count)}``; this module lays the days out in
weeks that start on Monday (ISO 8601, the same in every locale), shades each day
0–4 by how much was written compared with the other days shown, and works out
totals and streaks. "Today" is passed in, already in the reader's zone.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

MIN_YEAR = 1
MAX_YEAR = 9999
LEVELS = 4
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

DayTotals = tuple[int, int]
"""(entry_count, word_count) of one day."""


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count:,} {singular if count == 1 else plural}"


@dataclass(frozen=True)
class Day:
    """One day of a grid: what was written and how dark to shade it."""

    date: date
    entries: int
    words: int
    level: int
    is_today: bool = False

    @property
    def label(self) -> str:
        """A text label for the cell (screen readers, tooltips): date, entries and words."""
        when = f"{WEEKDAY_NAMES[self.date.weekday()]} {self.date.day} "
        when += f"{MONTH_NAMES[self.date.month - 1]} {self.date.year}"
        if not self.entries:
            return f"{when}: no entries"
        entries = _plural(self.entries, "entry", "entries")
        return f"{when}: {entries}, {_plural(self.words, 'word', 'words')}"


@dataclass(frozen=True)
class Week:
    """Seven cells, Monday first; ``None`` for a day outside the month (or year)."""

    iso_week: int
    days: tuple[Day | None, ...]


@dataclass(frozen=True)
class MonthGrid:
    """A month laid out in weeks, with its totals."""

    year: int
    month: int
    weeks: tuple[Week, ...]

    @property
    def name(self) -> str:
        """The month's English name, e.g. ``February``."""
        return MONTH_NAMES[self.month - 1]

    @property
    def days(self) -> list[Day]:
        """The month's days in order (no blanks)."""
        return [day for week in self.weeks for day in week.days if day is not None]

    @property
    def entries(self) -> int:
        """Entries written in the month."""
        return sum(day.entries for day in self.days)

    @property
    def words(self) -> int:
        """Words written in the month."""
        return sum(day.words for day in self.days)

    @property
    def days_written(self) -> int:
        """Days of the month with at least one entry."""
        return sum(1 for day in self.days if day.entries)


@dataclass(frozen=True)
class CalendarStats:
    """The stats line: totals of the days given, and streaks of consecutive written days."""

    entries: int
    words: int
    days_written: int
    current_streak: int
    longest_streak: int


def check_month(year: int, month: int | None = None) -> None:
    """:raises ValueError: the year (1–9999) or month (1–12) is out of range (a 404)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"month {month} is out of range")


def previous_month(year: int, month: int) -> tuple[int, int] | None:
    """The month before, or ``None`` before the first representable one."""
    if month > 1:
        return year, month - 1
    return (year - 1, 12) if year > MIN_YEAR else None


def next_month(year: int, month: int) -> tuple[int, int] | None:
    """The month after, or ``None`` after the last representable one."""
    if month < 12:
        return year, month + 1
    return (year + 1, 1) if year < MAX_YEAR else None


def same_day_in(year: int, day: date) -> date:
    """The same month and day in another year; 29 February is 28 February in a common year.

    For "on this day": an entry of 29 February 2024 shows on 28 February 2025.
    """
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def on_this_day_keys(today: date) -> tuple[tuple[int, int], ...]:
    """The (month, day) pairs "on this day" looks for in earlier years.

    On 28 February of a common year that is also 29 February, which has no day of
    its own that year; on 29 February it is only 29 February.
    """
    if today.month == 2 and today.day == 28 and not calendar.isleap(today.year):
        return ((2, 28), (2, 29))
    return ((today.month, today.day),)


def shade_levels(days: Mapping[date, DayTotals]) -> dict[date, int]:
    """A level 0–4 for each day given: 0 with no entries, else 1–4 by word-count quantile.

    A written day's level is its place among the written days given (the empirical
    quantile ``share of days with at most as many words``, in quarters, rounded up):
    the top quarter is 4, and a single written day or days all alike are 4.
    """
    counts = sorted(words for entries, words in days.values() if entries > 0)
    levels: dict[date, int] = {}
    for day, (entries, words) in days.items():
        if entries <= 0:
            levels[day] = 0
            continue
        at_most = bisect_right(counts, words)
        levels[day] = max(1, -(-LEVELS * at_most // len(counts)))  # ceil without floats
    return levels


def _day(
    day: date, days: Mapping[date, DayTotals], levels: Mapping[date, int], today: date | None
) -> Day:
    entries, words = days.get(day, (0, 0))
    return Day(day, entries, words, levels.get(day, 0), is_today=day == today)


def month_grid(
    year: int,
    month: int,
    days: Mapping[date, DayTotals],
    *,
    today: date | None = None,
    levels: Mapping[date, int] | None = None,
) -> MonthGrid:
    """The month in Monday-first weeks, blanks before the 1st and after the last day.

    Shades are relative to ``days`` unless ``levels`` is given (``year_grid`` passes
    the year's, so months of one year compare with each other).

    :raises ValueError: the year or month is out of range.
    """
    check_month(year, month)
    if levels is None:
        levels = shade_levels(days)
    lead, length = calendar.monthrange(year, month)
    cells: list[Day | None] = [None] * lead
    cells += [_day(date(year, month, n), days, levels, today) for n in range(1, length + 1)]
    cells += [None] * (-len(cells) % 7)
    return MonthGrid(year, month, _weeks(cells))


def _weeks(cells: list[Day | None]) -> tuple[Week, ...]:
    weeks = []
    for start in range(0, len(cells), 7):
        row = tuple(cells[start : start + 7])
        first = next(day for day in row if day is not None)
        weeks.append(Week(first.date.isocalendar().week, row))
    return tuple(weeks)


def year_grid(
    year: int, days: Mapping[date, DayTotals], *, today: date | None = None
) -> tuple[MonthGrid, ...]:
    """Twelve month grids, shaded against each other (the year's days decide the levels)."""
    check_month(year)
    in_year = {day: totals for day, totals in days.items() if day.year == year}
    levels = shade_levels(in_year)
    return tuple(
        month_grid(year, month, in_year, today=today, levels=levels) for month in range(1, 13)
    )


def year_heatmap(
    year: int, days: Mapping[date, DayTotals], *, today: date | None = None
) -> tuple[Week, ...]:
    """The whole year as one strip of Monday-first weeks (a heatmap's columns)."""
    check_month(year)
    in_year = {day: totals for day, totals in days.items() if day.year == year}
    levels = shade_levels(in_year)
    first = date(year, 1, 1)
    length = 366 if calendar.isleap(year) else 365
    cells: list[Day | None] = [None] * first.weekday()
    cells += [_day(first + timedelta(days=n), in_year, levels, today) for n in range(length)]
    cells += [None] * (-len(cells) % 7)
    return _weeks(cells)


def _written(days: Mapping[date, DayTotals] | Collection[date]) -> set[date]:
    if isinstance(days, Mapping):
        return {day for day, (entries, _words) in days.items() if entries > 0}
    return set(days)


def current_streak(days: Mapping[date, DayTotals] | Collection[date], today: date) -> int:
    """Consecutive written days ending today, or ending yesterday if today has none yet.

    Days after ``today`` (an entry dated tomorrow) do not count.
    """
    written = _written(days)
    day = today if today in written else today - timedelta(days=1)
    streak = 0
    while day in written:
        streak += 1
        if day.toordinal() == 1:
            break
        day -= timedelta(days=1)
    return streak


def longest_streak(days: Mapping[date, DayTotals] | Collection[date]) -> int:
    """The most consecutive written days among those given."""
    best = run = 0
    previous: date | None = None
    for day in sorted(_written(days)):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best = max(best, run)
        previous = day
    return best


def calendar_stats(days: Mapping[date, DayTotals], today: date) -> CalendarStats:
    """Totals of ``days`` and its streaks (pass the recent days too for the current streak)."""
    return CalendarStats(
        entries=sum(entries for entries, _words in days.values()),
        words=sum(words for _entries, words in days.values()),
        days_written=len(_written(days)),
        current_streak=current_streak(days, today),
        longest_streak=longest_streak(days),
    )
