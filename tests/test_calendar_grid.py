"""Month and year grids, shading and streaks from per-day totals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from journal.services.calendar_grid import (
    CalendarStats,
    Day,
    calendar_stats,
    check_month,
    current_streak,
    longest_streak,
    month_grid,
    next_month,
    on_this_day_keys,
    previous_month,
    same_day_in,
    shade_levels,
    year_grid,
    year_heatmap,
)


def cells(grid_weeks):
    """The grid as day numbers, 0 for a blank."""
    return [[day.date.day if day else 0 for day in week.days] for week in grid_weeks]


def test_a_month_starts_on_monday_with_blanks_before_and_after():
    # June 2024: the 1st is a Saturday, the 30th a Sunday.
    grid = month_grid(2024, 6, {})
    assert grid.name == "June"
    assert cells(grid.weeks) == [
        [0, 0, 0, 0, 0, 1, 2],
        [3, 4, 5, 6, 7, 8, 9],
        [10, 11, 12, 13, 14, 15, 16],
        [17, 18, 19, 20, 21, 22, 23],
        [24, 25, 26, 27, 28, 29, 30],
    ]
    assert [week.iso_week for week in grid.weeks] == [22, 23, 24, 25, 26]


@pytest.mark.parametrize(
    ("year", "month", "weeks", "first_row", "last_row"),
    [
        # February 2021 starts on a Monday and has exactly four weeks
        (2021, 2, 4, [1, 2, 3, 4, 5, 6, 7], [22, 23, 24, 25, 26, 27, 28]),
        # leap February 2024: Thursday the 1st to Thursday the 29th
        (2024, 2, 5, [0, 0, 0, 1, 2, 3, 4], [26, 27, 28, 29, 0, 0, 0]),
        # a Sunday 1st spreads over six weeks
        (2023, 10, 6, [0, 0, 0, 0, 0, 0, 1], [30, 31, 0, 0, 0, 0, 0]),
        # the first and the last representable months
        (1, 1, 5, [1, 2, 3, 4, 5, 6, 7], [29, 30, 31, 0, 0, 0, 0]),
        (9999, 12, 5, [0, 0, 1, 2, 3, 4, 5], [27, 28, 29, 30, 31, 0, 0]),
    ],
)
def test_month_shapes(year, month, weeks, first_row, last_row):
    grid = month_grid(year, month, {})
    rows = cells(grid.weeks)
    assert len(rows) == weeks
    assert (rows[0], rows[-1]) == (first_row, last_row)
    assert all(len(row) == 7 for row in rows)
    assert [day.date for day in grid.days] == [
        date(year, month, 1) + timedelta(days=n) for n in range(len(grid.days))
    ]


def test_iso_week_numbers_cross_the_new_year():
    # 30 December 2024 to 5 January 2025 is ISO week 1 of 2025.
    assert month_grid(2024, 12, {}).weeks[-1].iso_week == 1
    assert month_grid(2025, 1, {}).weeks[0].iso_week == 1
    # 1 January 2021 (a Friday) is in week 53 of 2020.
    assert month_grid(2021, 1, {}).weeks[0].iso_week == 53


def test_days_carry_their_totals_level_label_and_today():
    days = {date(2024, 6, 3): (2, 350), date(2024, 6, 4): (1, 1)}
    grid = month_grid(2024, 6, days, today=date(2024, 6, 4))
    by_date = {day.date: day for day in grid.days}
    assert by_date[date(2024, 6, 3)] == Day(date(2024, 6, 3), 2, 350, 4, is_today=False)
    assert by_date[date(2024, 6, 4)].is_today
    assert by_date[date(2024, 6, 3)].label == "Monday 3 June 2024: 2 entries, 350 words"
    assert by_date[date(2024, 6, 4)].label == "Tuesday 4 June 2024: 1 entry, 1 word"
    assert by_date[date(2024, 6, 5)].label == "Wednesday 5 June 2024: no entries"
    assert (grid.entries, grid.words, grid.days_written) == (3, 351, 2)


def test_month_grid_ignores_days_of_other_months():
    days = {date(2024, 5, 31): (1, 100), date(2024, 6, 1): (1, 10)}
    grid = month_grid(2024, 6, days)
    assert (grid.entries, grid.words) == (1, 10)


@pytest.mark.parametrize(
    ("words", "levels"),
    [
        ([100], [4]),  # one written day is the darkest
        ([5, 5, 5], [4, 4, 4]),  # days alike are alike
        ([10, 20, 30, 40], [1, 2, 3, 4]),
        ([10, 20, 30, 40, 50, 60, 70, 80], [1, 1, 2, 2, 3, 3, 4, 4]),
        ([0, 1000], [2, 4]),  # an entry without words still shows
        ([1, 1, 1, 1000], [3, 3, 3, 4]),
    ],
)
def test_shade_levels_by_quantile_of_written_days(words, levels):
    days = {date(2024, 1, 1) + timedelta(days=n): (1, w) for n, w in enumerate(words)}
    days[date(2024, 12, 31)] = (0, 0)  # a day with no entry is 0 whatever else is there
    shades = shade_levels(days)
    assert [shades[day] for day in sorted(days)][:-1] == levels
    assert shades[date(2024, 12, 31)] == 0
    assert set(shades.values()) <= {0, 1, 2, 3, 4}


def test_shade_levels_of_nothing():
    assert shade_levels({}) == {}


def test_a_year_is_twelve_months_shaded_against_each_other():
    days = {date(2024, 1, 10): (1, 10), date(2024, 7, 10): (1, 1000), date(2023, 7, 10): (9, 9)}
    months = year_grid(2024, days, today=date(2024, 7, 10))
    assert [m.month for m in months] == list(range(1, 13))
    assert [m.name for m in months][:3] == ["January", "February", "March"]
    january = {d.date: d for d in months[0].days}
    july = {d.date: d for d in months[6].days}
    # alone, January's only day would be 4; against July's it is lighter
    assert january[date(2024, 1, 10)].level == 2
    assert july[date(2024, 7, 10)].level == 4
    assert july[date(2024, 7, 10)].is_today
    assert sum(m.entries for m in months) == 2  # 2023 is not in 2024's grid
    assert sum(len(m.days) for m in months) == 366


@pytest.mark.parametrize(
    ("year", "days", "weeks"), [(2024, 366, 53), (2023, 365, 53), (2018, 365, 53), (2021, 365, 53)]
)
def test_year_heatmap_has_every_day_in_monday_first_weeks(year, days, weeks):
    strip = year_heatmap(year, {date(year, 3, 1): (1, 5), date(year + 1, 1, 1): (1, 5)})
    found = [day for week in strip for day in week.days if day is not None]
    assert len(found) == days
    assert found[0].date == date(year, 1, 1)
    assert found[-1].date == date(year, 12, 31)
    assert all(len(week.days) == 7 for week in strip)
    assert len(strip) == weeks or len(strip) == weeks + 1
    assert strip[0].days.index(found[0]) == date(year, 1, 1).weekday()
    assert [d.date for d in found if d.entries] == [date(year, 3, 1)]


@pytest.mark.parametrize(("year", "month"), [(0, 1), (10000, 1), (2024, 0), (2024, 13), (-1, 5)])
def test_out_of_range_months_are_refused(year, month):
    with pytest.raises(ValueError, match="out of range"):
        check_month(year, month)
    with pytest.raises(ValueError):
        month_grid(year, month, {})


@pytest.mark.parametrize("year", [0, 10000])
def test_out_of_range_years_are_refused(year):
    with pytest.raises(ValueError, match="out of range"):
        year_grid(year, {})
    with pytest.raises(ValueError, match="out of range"):
        year_heatmap(year, {})


@pytest.mark.parametrize(
    ("year", "month", "before", "after"),
    [
        (2024, 6, (2024, 5), (2024, 7)),
        (2024, 1, (2023, 12), (2024, 2)),
        (2024, 12, (2024, 11), (2025, 1)),
        (1, 1, None, (1, 2)),
        (9999, 12, (9999, 11), None),
    ],
)
def test_previous_and_next_month(year, month, before, after):
    assert previous_month(year, month) == before
    assert next_month(year, month) == after


TODAY = date(2024, 3, 1)


def written(*offsets: int) -> dict[date, tuple[int, int]]:
    """Days written, as offsets from TODAY (0 today, -1 yesterday)."""
    return {TODAY + timedelta(days=n): (1, 100) for n in offsets}


@pytest.mark.parametrize(
    ("days", "current", "longest"),
    [
        (written(), 0, 0),
        (written(0), 1, 1),
        (written(-1, -2), 2, 2),  # today not written yet: the streak still counts
        (written(-2, -3), 0, 2),  # a missed day ends it
        (written(0, -1, -3, -4, -5, -6), 2, 4),
        (written(1, 2), 0, 2),  # entries dated after today do not make a streak
        (written(1, 0), 1, 2),
        # across the end of February in a leap year: 28, 29 February, 1 March
        (written(0, -1, -2), 3, 3),
    ],
)
def test_streaks(days, current, longest):
    assert current_streak(days, TODAY) == current
    assert longest_streak(days) == longest


def test_a_day_with_no_entries_breaks_a_streak():
    days = written(0, -2) | {TODAY - timedelta(days=1): (0, 0)}
    assert current_streak(days, TODAY) == 1


def test_streaks_accept_a_plain_set_of_dates():
    assert current_streak({TODAY, TODAY - timedelta(days=1)}, TODAY) == 2
    assert longest_streak([date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 5)]) == 2


def test_streak_reaching_the_first_day_there_is():
    assert current_streak({date(1, 1, 2), date(1, 1, 1)}, date(1, 1, 2)) == 2


def test_calendar_stats():
    days = written(0, -1, -5) | {TODAY + timedelta(days=10): (0, 0)}
    days[TODAY] = (3, 1200)
    assert calendar_stats(days, TODAY) == CalendarStats(
        entries=5, words=1400, days_written=3, current_streak=2, longest_streak=2
    )
    assert calendar_stats({}, TODAY) == CalendarStats(0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("year", "day", "expected"),
    [
        (2023, date(2024, 6, 3), date(2023, 6, 3)),
        (2025, date(2024, 2, 29), date(2025, 2, 28)),  # no 29th: the 28th
        (2028, date(2024, 2, 29), date(2028, 2, 29)),
        (2100, date(2024, 2, 29), date(2100, 2, 28)),  # not a leap year (century)
        (2000, date(2024, 2, 29), date(2000, 2, 29)),  # a leap year (400)
        (2023, date(2024, 2, 28), date(2023, 2, 28)),
        (2023, date(2024, 3, 1), date(2023, 3, 1)),
    ],
)
def test_same_day_in_another_year(year, day, expected):
    assert same_day_in(year, day) == expected


@pytest.mark.parametrize(
    ("today", "keys"),
    [
        (date(2025, 6, 3), ((6, 3),)),
        (date(2025, 2, 28), ((2, 28), (2, 29))),  # leap-day entries show on the 28th
        (date(2024, 2, 28), ((2, 28),)),  # a leap year has its own 29th
        (date(2024, 2, 29), ((2, 29),)),
        (date(2025, 3, 1), ((3, 1),)),
    ],
)
def test_on_this_day_keys(today, keys):
    assert on_this_day_keys(today) == keys
