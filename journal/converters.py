"""URL converters: an ``<int:…>`` in any route names a database row, or nothing at all."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from journal.models.base import ROW_ID_MAX


class RowIdConverter(IntegerConverter):
    """``int`` bounded by ``ROW_ID_MAX`` unless a route gives its own ``max``.

    A larger number cannot name a row: without the bound it reaches the database, which
    refuses it (an integer out of range) and the page answers 500 instead of 404.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Make ``<int:…>`` in every route of ``app`` a row id (before any route is added)."""
    app.url_map.converters["int"] = RowIdConverter
