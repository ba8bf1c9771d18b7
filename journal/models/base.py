"""The model base class, the UTC datetime column type and the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from journal.extensions import Base, db

# The largest value of an INTEGER primary key on PostgreSQL (SQLite's hold 64 bits): a larger
# number names no row, and the database refuses it as a parameter.
ROW_ID_MAX = 2**31 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC that refuses naive values and always loads aware ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite stores no zone
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# mypy cannot see through Flask-SQLAlchemy's generated ``db.Model``; at run time it is
# the same declarative base with the session-aware query helpers added.
if TYPE_CHECKING:
    Model = Base
else:
    Model: Any = db.Model
