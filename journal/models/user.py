"""Accounts and the sign-in sessions that belong to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from journal.models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from journal.models.entry import Entry


class User(Model):
    """A person with an account. ``username_key`` and ``email_key`` make both unique in any case."""

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (migration 0003)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The IANA zone every date this person reads is shown in, and days are counted in.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")

    entries: WriteOnlyMapped[Entry] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )
    sessions: WriteOnlyMapped[UserSession] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the sign-in service to the session this request runs under; Flask-Login
    # stores it in the cookie instead of the user id, so ending the session ends the cookie.
    if TYPE_CHECKING:
        session_token: str | None
    else:
        session_token = None

    # Flask-Login's user protocol.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str | None:
        """The token Flask-Login keeps in the session and remember-me cookies."""
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class HeldSecret:
    """The columns of a secret a person holds (a sign-in or an API token): only its hash."""

    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused (migration 0003)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserSession(HeldSecret, Model):
    """One signed-in browser. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "user_sessions"

    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(back_populates="sessions")


class ApiToken(HeldSecret, Model):
    """A bearer token for the JSON API; only its hash is stored.

    ``client`` is the User-Agent that asked for it and ``last_used_at`` when it last
    authenticated a request (refreshed at most once a minute), for the account page.
    """

    __tablename__ = "api_tokens"

    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    client: Mapped[str] = mapped_column(String(200), default="", server_default="")

    user: Mapped[User] = relationship()
