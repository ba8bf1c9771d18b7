"""Recent live events: what every process's sockets are told, and what a socket resumes from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from journal.models.base import Model, UTCDateTime, utcnow


class LiveEvent(Model):
    """One event as JSON; ids only grow, and old rows are trimmed (see ``services.events``)."""

    __tablename__ = "live_events"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never handed out twice

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    payload: Mapped[str] = mapped_column(Text)
