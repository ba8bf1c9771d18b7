"""Views of the calendar blueprint: years, months, days and "on this day", signed in only."""

from __future__ import annotations

import re

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from journal.blueprints.calendar import bp
from journal.identity import signed_in_user
from journal.services import calendar, calendar_grid
from journal.services.calendar import OutOfRange

# A year of the calendar in the address: up to four digits (1–9999); a month: one or two.
YEAR_RE = re.compile(r"\d{1,4}", re.ASCII)
MONTH_RE = re.compile(r"\d{1,2}", re.ASCII)


@bp.context_processor
def calendar_words() -> dict[str, object]:
    """Names the calendar templates print: months and weekdays, Monday first."""
    return {
        "month_names": calendar_grid.MONTH_NAMES,
        "weekday_names": calendar_grid.WEEKDAY_NAMES,
        "weekday_abbreviations": calendar_grid.WEEKDAY_ABBREVIATIONS,
        "titles_per_day": calendar.TITLES_PER_DAY,
    }


def year_arg(raw: str) -> int:
    """The year in the address; anything but 1–9999 is 404."""
    if YEAR_RE.fullmatch(raw) is None or int(raw) < 1:
        abort(404)
    return int(raw)


def month_arg(raw: str) -> int:
    """The month in the address; anything but 1–12 is 404."""
    if MONTH_RE.fullmatch(raw) is None or not 1 <= int(raw) <= 12:
        abort(404)
    return int(raw)


@bp.get("/calendar")
@login_required
def this_year() -> ResponseReturnValue:
    """This year's calendar, "this year" being where the reader is."""
    today = calendar.today_for(signed_in_user(required=True))
    return redirect(url_for("calendar.year", year=today.year))


@bp.get("/calendar/<year>")
@login_required
def year(year: str) -> ResponseReturnValue:
    """A year at a glance: twelve months of the reader's days, shaded by words written."""
    try:
        view = calendar.year_view(signed_in_user(required=True), year_arg(year))
    except OutOfRange:
        abort(404)
    return render_template("calendar/year.html", view=view)


@bp.get("/calendar/<year>/<month>")
@login_required
def month(year: str, month: str) -> ResponseReturnValue:
    """A month of the reader's days, with the titles written on each."""
    try:
        view = calendar.month_view(signed_in_user(required=True), year_arg(year), month_arg(month))
    except OutOfRange:
        abort(404)
    return render_template("calendar/month.html", view=view)


@bp.get("/day/<day>")
@login_required
def day(day: str) -> ResponseReturnValue:
    """The reader's entries of one day in their zone, oldest first; no such date is 404."""
    try:
        view = calendar.day_view(signed_in_user(required=True), calendar.parse_day(day))
    except OutOfRange:
        abort(404)
    return render_template("calendar/day.html", view=view)


@bp.get("/on-this-day")
@login_required
def on_this_day() -> ResponseReturnValue:
    """The reader's entries of today's month and day in earlier years, newest year first."""
    found = calendar.on_this_day(signed_in_user(required=True))
    return render_template("calendar/on_this_day.html", found=found)
