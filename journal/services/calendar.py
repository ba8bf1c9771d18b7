"""The reader's own entries by local day: years, months, days, streaks and "on this day".

Everything here is in the reader's time zone: a day is ``zones.local_day_bounds`` of it,
so an entry written at 01:15 UTC is on the day before for a reader in New York and on
that day for one in Tokyo, and a day is 23 or 25 hours long when the clocks change.

Grouping by local day happens in Python, not SQL: SQLite knows no time zones, and even
PostgreSQL's ``AT TIME ZONE`` would read every row of the author. Instead one statement
selects ``(dated_at, word_count)`` of the reader's entries within the UTC bounds of the
local year or month, through the ``(author_id, dated_at, id)`` index, and ``zones`` turns
each instant into its local day. That reads one row per entry of the period: a person
who writes ten entries a day reads about 3,650 small rows for a year, which is fine.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true

from journal.extensions import db
from journal.models import Entry, User
from journal.services import calendar_grid, listings, zones
from journal.services.calendar_grid import CalendarStats, DayTotals, MonthGrid
from journal.services.entry_views import EntryCard, fetch_cards

# The current streak is counted from the days of this window (ending today), read in the
# same statement as the page's period; only a streak reaching its start reads further back.
STREAK_WINDOW_DAYS = 400
# A day cell of the month grid lists titles up to this many entries, else their count.
TITLES_PER_DAY = 3
# A day page lists at most this many entries (an import can date thousands on one day).
DAY_LIMIT = 200
# "On this day" looks for at most this many day ranges per statement: 100 years with
# 29 February's fallback take one statement (SQLite's expression depth is 1,000).
RANGES_PER_STATEMENT = 200
ON_THIS_DAY_LIMIT = 200


class OutOfRange(ValueError):
    """A year, month or day the calendar does not have (a 404)."""


def reader_zone(reader: User) -> str:
    """The reader's IANA zone, or ``UTC`` if the stored name is not one this system knows."""
    name = reader.timezone
    return name if zones.is_valid_zone(name) else "UTC"


def today_for(reader: User) -> date:
    """Today's date where the reader is."""
    return zones.today_in(reader_zone(reader))


def _start_of(day: date, zone_name: str) -> datetime | None:
    """The UTC instant the local day starts, or ``None`` before the first representable."""
    try:
        return zones.local_to_utc(datetime.combine(day, time()), zone_name)
    except OverflowError:
        return None


def utc_bounds(first: date, last: date, zone_name: str) -> tuple[datetime | None, datetime | None]:
    """The UTC instants ``[start, end)`` of the local days ``first`` to ``last``.

    ``None`` on a side that falls outside the representable instants (1 January of year 1
    east of Greenwich, 31 December 9999): there the range is open.
    """
    try:
        after_last = last + timedelta(days=1)
    except OverflowError:
        return _start_of(first, zone_name), None
    return _start_of(first, zone_name), _start_of(after_last, zone_name)


def _during(start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    conditions = []
    if start is not None:
        conditions.append(Entry.dated_at >= start)
    if end is not None:
        conditions.append(Entry.dated_at < end)
    return and_(*conditions) if conditions else true()


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The local day of ``moment``; the first or last representable day when it is beyond.

    01:00 UTC on 1 January of year 1 is still year 0 in New York, which no date can hold.
    """
    try:
        return moment.astimezone(tz).date()
    except OverflowError:
        return date.min if moment.year == date.min.year else date.max


def _local_dates(moments: Sequence[datetime], zone_name: str) -> list[date]:
    tz = zones.zone(zone_name)
    return [_local_day(moment, tz) for moment in moments]


# --- years and months ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayEntry:
    """An entry as a month grid lists it: its id, title and when it happened."""

    id: int
    title: str
    dated_at: datetime


@dataclass(frozen=True)
class Period:
    """What one statement read about a period: its days' totals, titles and the stats line."""

    days: dict[date, DayTotals]
    titles: dict[date, list[DayEntry]]
    stats: CalendarStats
    today: date


@dataclass(frozen=True)
class YearView:
    """A year at a glance: twelve month grids shaded against each other, and its stats."""

    year: int
    months: tuple[MonthGrid, ...]
    stats: CalendarStats
    today: date
    previous: int | None
    next: int | None


@dataclass(frozen=True)
class MonthView:
    """One month's grid, the entries of each day, and its stats."""

    grid: MonthGrid
    titles: dict[date, list[DayEntry]]
    stats: CalendarStats
    today: date
    previous: tuple[int, int] | None
    next: tuple[int, int] | None


def check_year(year: int) -> None:
    """:raises OutOfRange: the year is not 1–9999."""
    try:
        calendar_grid.check_month(year)
    except ValueError as error:
        raise OutOfRange(str(error)) from None


def check_month(year: int, month: int) -> None:
    """:raises OutOfRange: the year is not 1–9999 or the month not 1–12."""
    try:
        calendar_grid.check_month(year, month)
    except ValueError as error:
        raise OutOfRange(str(error)) from None


def _read_period(reader: User, first: date, last: date, *, titles: bool) -> Period:
    """The reader's days from ``first`` to ``last`` (local) and the current streak.

    One statement reads the period and the streak window together; only a streak longer
    than the window reads more (``_streak``).
    """
    zone_name = reader_zone(reader)
    today = zones.today_in(zone_name)
    window_first = today - timedelta(days=STREAK_WINDOW_DAYS - 1)
    columns = [Entry.dated_at, Entry.word_count]
    if titles:
        columns += [Entry.id, Entry.title]
    query = (
        select(*columns)
        .where(
            listings.written_by(reader),
            or_(
                _during(*utc_bounds(first, last, zone_name)),
                _during(*utc_bounds(window_first, today, zone_name)),
            ),
        )
        .order_by(Entry.dated_at, Entry.id)
    )
    rows = db.session.execute(query).all()
    days: dict[date, DayTotals] = {}
    listed: dict[date, list[DayEntry]] = defaultdict(list)
    written: set[date] = set()
    for row, day in zip(rows, _local_dates([row.dated_at for row in rows], zone_name), strict=True):
        written.add(day)
        if not first <= day <= last:
            continue
        entries, words = days.get(day, (0, 0))
        days[day] = (entries + 1, words + row.word_count)
        if titles:
            listed[day].append(DayEntry(row.id, row.title, row.dated_at))
    known_from = (
        window_first if last < window_first - timedelta(days=1) else min(window_first, first)
    )
    period = calendar_grid.calendar_stats(days, today)
    stats = CalendarStats(
        entries=period.entries,
        words=period.words,
        days_written=period.days_written,
        current_streak=_streak(reader, zone_name, written, today, known_from),
        longest_streak=period.longest_streak,
    )
    return Period(days, dict(listed), stats, today)


def _streak(reader: User, zone_name: str, written: set[date], today: date, known_from: date) -> int:
    """The current streak; one more statement when it goes back beyond the first day read.

    ``written`` holds every written day from ``known_from`` to today. A streak older than
    that reads the dates of all earlier entries at once (one column, from the index), so
    the page costs at most two statements however long the streak.
    """
    streak = calendar_grid.current_streak(written, today)
    end = today if today in written else today - timedelta(days=1)
    if streak == 0 or end - timedelta(days=streak - 1) > known_from:
        return streak
    start, _end = utc_bounds(known_from, known_from, zone_name)
    moments = db.session.scalars(
        select(Entry.dated_at).where(listings.written_by(reader), _during(None, start))
    ).all()
    written.update(_local_dates(moments, zone_name))
    return calendar_grid.current_streak(written, today)


def year_view(reader: User, year: int) -> YearView:
    """The reader's year: twelve month grids and the stats line, from one statement.

    :raises OutOfRange: the year is not 1–9999.
    """
    check_year(year)
    period = _read_period(reader, date(year, 1, 1), date(year, 12, 31), titles=False)
    return YearView(
        year=year,
        months=calendar_grid.year_grid(year, period.days, today=period.today),
        stats=period.stats,
        today=period.today,
        previous=year - 1 if year > calendar_grid.MIN_YEAR else None,
        next=year + 1 if year < calendar_grid.MAX_YEAR else None,
    )


def month_view(reader: User, year: int, month: int) -> MonthView:
    """The reader's month: its grid, each day's entries (oldest first) and the stats line.

    :raises OutOfRange: the year is not 1–9999 or the month not 1–12.
    """
    check_month(year, month)
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    period = _read_period(reader, first, last, titles=True)
    return MonthView(
        grid=calendar_grid.month_grid(year, month, period.days, today=period.today),
        titles=period.titles,
        stats=period.stats,
        today=period.today,
        previous=calendar_grid.previous_month(year, month),
        next=calendar_grid.next_month(year, month),
    )


# --- one day ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayView:
    """The reader's entries of one local day, oldest first."""

    day: date
    cards: list[EntryCard]
    more: bool
    previous: date | None
    next: date | None

    @property
    def items(self) -> list[EntryCard]:
        """The cards, under the name the listing macros read."""
        return self.cards


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` as a date; :raises OutOfRange: not that form, or no such day."""
    if len(text) != 10 or not text.isascii() or text[4] != "-" or text[7] != "-":
        raise OutOfRange(text[:20])
    if not (text[:4] + text[5:7] + text[8:]).isdigit():
        raise OutOfRange(text[:20])
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OutOfRange(text[:20]) from None


def own_entries(reader: User) -> Select[Entry]:
    """The reader's own entries, private and public (the calendar shows nobody else's)."""
    return select(Entry).where(listings.written_by(reader))


def day_view(reader: User, day: date) -> DayView:
    """The reader's entries of ``day`` in their zone, in date order (two statements)."""
    zone_name = reader_zone(reader)
    query = (
        own_entries(reader)
        .where(_during(*utc_bounds(day, day, zone_name)))
        .order_by(Entry.dated_at.asc(), Entry.id.asc())
        .limit(DAY_LIMIT + 1)
    )
    cards = fetch_cards(query)
    return DayView(
        day=day,
        cards=cards[:DAY_LIMIT],
        more=len(cards) > DAY_LIMIT,
        previous=day - timedelta(days=1) if day > date.min else None,
        next=day + timedelta(days=1) if day < date.max else None,
    )


# --- on this day ----------------------------------------------------------------------------


@dataclass(frozen=True)
class YearAgo:
    """The entries of one earlier year on this day, and how long ago that was."""

    year: int
    years_ago: int
    cards: list[EntryCard]

    @property
    def items(self) -> list[EntryCard]:
        """The cards, under the name the listing macros read."""
        return self.cards

    @property
    def ago(self) -> str:
        """``1 year ago``, ``3 years ago``."""
        return f"{self.years_ago} year{'' if self.years_ago == 1 else 's'} ago"


@dataclass(frozen=True)
class OnThisDay:
    """Today in the reader's zone, and its entries of earlier years, newest year first."""

    today: date
    years: list[YearAgo]

    @property
    def cards(self) -> list[tuple[YearAgo, EntryCard]]:
        """Each entry with its year, newest year first."""
        return [(year, card) for year in self.years for card in year.cards]


def _same_days(reader: User, zone_name: str, today: date) -> list[ColumnElement[bool]]:
    """One ``dated_at`` range per earlier year with this month and day, newest year first.

    Years before the reader's earliest entry have none: one indexed ``MIN`` finds it, so
    a journal begun three years ago looks at three ranges, not at every year since 1.
    """
    earliest = db.session.scalar(
        select(func.min(Entry.dated_at)).where(listings.written_by(reader))
    )
    if earliest is None:
        return []
    first_year = _local_day(earliest, zones.zone(zone_name)).year
    ranges = []
    for year in range(today.year - 1, first_year - 1, -1):
        for month, day_of_month in calendar_grid.on_this_day_keys(today):
            try:
                day = date(year, month, day_of_month)
            except ValueError:  # 29 February of a common year
                continue
            ranges.append(_during(*utc_bounds(day, day, zone_name)))
    return ranges


def on_this_day(reader: User, limit: int = ON_THIS_DAY_LIMIT) -> OnThisDay:
    """The reader's entries of today's month and day in earlier years, newest year first.

    Within a year they are in date order. On 28 February of a common year, 29 February
    of the leap years counts too (``calendar_grid.on_this_day_keys``). One statement per
    ``RANGES_PER_STATEMENT`` years (one for a century), after the ``MIN`` that bounds them.
    """
    zone_name = reader_zone(reader)
    today = zones.today_in(zone_name)
    ranges = _same_days(reader, zone_name, today)
    cards: list[EntryCard] = []
    for start in range(0, len(ranges), RANGES_PER_STATEMENT):
        chunk = ranges[start : start + RANGES_PER_STATEMENT]
        query = (
            own_entries(reader)
            .where(or_(*chunk))
            .order_by(Entry.dated_at.desc(), Entry.id.desc())
            .limit(limit - len(cards))
        )
        cards += fetch_cards(query)
        if len(cards) >= limit:
            break
    by_year: dict[int, list[EntryCard]] = defaultdict(list)
    for card, day in zip(cards, _local_dates([c.dated_at for c in cards], zone_name), strict=True):
        by_year[day.year].append(card)
    years = [
        YearAgo(year, today.year - year, list(reversed(found)))
        for year, found in sorted(by_year.items(), reverse=True)
    ]
    return OnThisDay(today, years)
