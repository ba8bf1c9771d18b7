"""Dates as a person reads them: in the reader's time zone, saying which zone it is."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup, escape

from journal.identity import signed_in_user
from journal.services import zones

FORMATS = {
    "date": "%-d %B %Y",
    "datetime": "%-d %B %Y, %H:%M",
    "time": "%H:%M",
    "month": "%B %Y",
}


def reader_zone(fallback: str = "UTC") -> str:
    """The zone the current reader reads dates in: their own when signed in, else ``fallback``.

    A signed-out reader sees an entry's dates in the zone it was written in.
    """
    reader = signed_in_user()
    if reader is not None:
        return reader.timezone
    return fallback if zones.is_valid_zone(fallback) else "UTC"


def local_time(
    moment: datetime, style: str = "datetime", fallback_zone: str = "UTC", css_class: str = ""
) -> Markup:
    """A ``<time>`` element of ``moment`` in the reader's zone; the zone is named beside it.

    ``style`` is ``date``, ``datetime``, ``time`` or ``month``; the machine-readable
    ``datetime`` attribute keeps the exact instant with its offset.
    """
    zone_name = reader_zone(fallback_zone)
    try:
        local = zones.to_local(moment, zone_name)
    except OverflowError:  # the first or last hours of the calendar, west or east of UTC
        zone_name = "UTC"
        local = zones.to_local(moment, zone_name)
    shown = local.strftime(FORMATS[style])
    if style in ("datetime", "time"):
        shown = f"{shown} {local.strftime('%Z')}"
    class_attribute = Markup(' class="{}"').format(css_class) if css_class else ""
    return Markup('<time{} datetime="{}" title="{}">{}</time>').format(
        class_attribute, local.isoformat(timespec="minutes"), escape(zone_name), shown
    )


def init_app(app: Flask) -> None:
    """Make ``local_time`` a template filter."""
    app.add_template_filter(local_time, "local_time")
