"""Live events: what happened, told to every open socket whose viewer may know it.

``publish`` runs after a write has committed. It stores the event as a row of
``live_events``: the row's id is the event's id everywhere (ids only grow), and the table
holds the last few minutes of events for sockets that resume after a drop. Each process
then hears every event through one listener thread of its own:

* with ``REDIS_URL`` set, the event also goes out on a Redis channel; each process keeps
  one subscriber connection (not one per socket) and, after Redis comes back from a
  restart, subscribes again and reads what it missed from the table;
* without it, the listener polls the table for rows newer than the last it saw. That needs
  no server beyond the database the journal already has, works on SQLite and PostgreSQL
  alike, and reaches every gunicorn worker of a host (and every host on one PostgreSQL).
  PostgreSQL's LISTEN/NOTIFY would not cover SQLite, the default.

The listener hands each event to the process's ``Hub``, which recomputes it for each
socket's viewer (``view_for``): nobody is told about an entry they may not see.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import delete, func, insert, select

from journal.extensions import db
from journal.models import LiveEvent, utcnow

if TYPE_CHECKING:
    from journal.models import Entry

log = logging.getLogger(__name__)

CHANNEL = "journal:live"
# The catch-up a resuming socket may get: the last this many events, of the last this long.
KEEP_EVENTS = 1000
KEEP_FOR = timedelta(minutes=5)
# Without Redis, how often each process looks for new rows.
POLL_SECONDS = 0.3
# After a failure (database or Redis down), how long the listener waits before trying again.
RETRY_SECONDS = 1.0
# How many ids before the newest seen each poll reads again (see ``Hub.delivered``).
LOOK_BACK = 50
# A process without sockets for this long stops listening (the next socket starts again).
IDLE_SECONDS = 10.0

Event = dict[str, Any]


# --- what is published ---------------------------------------------------------------------


def entry_event(kind: str, entry: Entry) -> Event:
    """The event for an entry written (``created``), ``changed`` or ``deleted``.

    A private entry's event carries no title or tags: only its author is ever told of it,
    and a change that made an entry private must not show its title to anyone else.
    """
    event: Event = {
        "type": f"entry-{kind}",
        "entry_id": entry.id,
        "author_id": entry.author_id,
        "author": entry.author.username,
        "visibility": "public" if entry.is_public else "private",
        "version": entry.version,
        "at": utcnow().isoformat(timespec="seconds"),
    }
    if entry.is_public:
        event["title"] = entry.title
        event["tags"] = [tag.name for tag in entry.tags]
    return event


def sessions_ended(
    user_id: int, session_ids: list[int] | None = None, *, keep: int | None = None
) -> Event:
    """Sessions of ``user_id`` ended: those listed, or (``session_ids=None``) all but ``keep``."""
    return {"type": "sessions-ended", "user_id": user_id, "session_ids": session_ids, "keep": keep}


def publish(event: Event) -> int | None:
    """Store ``event`` and tell every process; returns its id (``None`` when that failed).

    Called after the write it reports has committed: a failure here loses an event, never
    the write, so it is logged rather than raised.
    """
    try:
        with db.engine.begin() as connection:
            event_id = int(
                connection.execute(
                    insert(LiveEvent)
                    .values(created_at=utcnow(), payload=json.dumps(event))
                    .returning(LiveEvent.id)
                ).scalar_one()
            )
            if event_id % 50 == 0:
                # Trimming now and then keeps the table at a few minutes of events.
                connection.execute(
                    delete(LiveEvent).where(
                        (LiveEvent.id <= event_id - KEEP_EVENTS)
                        | (LiveEvent.created_at < utcnow() - KEEP_FOR)
                    )
                )
    except Exception:
        log.exception("live event not stored: %s", event.get("type"))
        return None
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            _redis_client(redis_url).publish(CHANNEL, json.dumps({**event, "id": event_id}))
        except Exception:
            # The other processes read it from the table once Redis is back.
            log.warning("live event %s not sent to Redis", event_id)
    return int(event_id)


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _redis_client(url: str) -> Any:
    """One Redis client (a connection pool) per process and URL."""
    import redis

    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return _clients[url]


# --- who is told what ------------------------------------------------------------------------


def view_for(event: Event, viewer_id: int | None) -> Event | None:
    """``event`` as ``viewer_id`` (``None``: anonymous) may receive it, or ``None``.

    The visibility rule of ``listings.visible_to``: public entries to everyone, private
    ones to their author only.
    """
    kind = event.get("type", "")
    if not kind.startswith("entry-"):
        return None
    if event["visibility"] == "public" or event["author_id"] == viewer_id:
        return dict(event)
    return None


def ends_session(event: Event, user_id: int | None, session_id: int | None) -> bool:
    """Whether ``event`` ends the session a socket runs under."""
    if event.get("type") != "sessions-ended" or user_id is None or event["user_id"] != user_id:
        return False
    if event["session_ids"] is None:
        return session_id != event["keep"] or session_id is None
    return session_id in event["session_ids"]


@dataclass(eq=False)
class Listener:
    """One open socket: whose it is, and how to send to it or close it."""

    viewer_id: int | None
    session_id: int | None
    send_text: Callable[[str], None]
    close: Callable[[int, str], None]
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_id: int = 0

    def send(self, message: Event) -> bool:
        """Send one JSON message; ``False`` once the socket is gone."""
        with self.lock:
            try:
                self.send_text(json.dumps(message))
            except Exception:
                return False
            if isinstance(message.get("id"), int):
                self.last_id = max(self.last_id, message["id"])
            return True

    def end(self, code: int, reason: str) -> None:
        """Close the socket with ``code``; a socket already gone is left alone."""
        with self.lock:
            try:
                self.close(code, reason)
            except Exception:
                log.debug("socket already closed")


class Hub:
    """This process's open sockets and the one thread that brings them events."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.listeners: set[Listener] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        # Events at or below ``floor`` happened before this listener began.
        self.floor = 0
        self.last_id = 0
        # Ids delivered lately: on PostgreSQL two writes may commit in the other order than
        # their ids, so a lower id can arrive after a higher one and must still go out once.
        self.delivered: set[int] = set()
        self.delivered_order: deque[int] = deque()
        self.idle_since: float | None = None

    # sockets come and go
    def add(self, listener: Listener) -> None:
        """Start telling ``listener`` about events (and start the listener thread)."""
        with self.lock:
            self.listeners.add(listener)
            self.idle_since = None
            if self.thread is None:
                self.floor = self.last_id = latest_id()
                self.delivered.clear()
                self.delivered_order.clear()
                self.thread = threading.Thread(
                    target=self._listen, name="journal-live-events", daemon=True
                )
                self.thread.start()

    def remove(self, listener: Listener) -> None:
        """Stop telling ``listener``."""
        with self.lock:
            self.listeners.discard(listener)

    def close_all(self, code: int = 1001, reason: str = "going away") -> None:
        """Close every socket (the server is stopping: browsers reconnect elsewhere)."""
        self.stopping.set()
        with self.lock:
            listeners = list(self.listeners)
        for listener in listeners:
            listener.end(code, reason)

    # events arrive
    def deliver(self, event: Event) -> None:
        """Hand ``event`` to every socket that may receive it, each its own view."""
        event_id = event["id"]
        if event_id <= self.floor or event_id in self.delivered:
            return
        self.delivered.add(event_id)
        self.delivered_order.append(event_id)
        if len(self.delivered_order) > KEEP_EVENTS:
            self.delivered.discard(self.delivered_order.popleft())
        self.last_id = max(self.last_id, event_id)
        with self.lock:
            listeners = list(self.listeners)
        for listener in listeners:
            if ends_session(event, listener.viewer_id, listener.session_id):
                listener.send({"type": "session-ended", "id": event["id"]})
                listener.end(4001, "session ended")
                continue
            view = view_for(event, listener.viewer_id)
            if view is not None:
                listener.send(view)

    def _go_on(self) -> bool:
        """Whether the listener thread is to keep listening: ``False`` once stopping, or
        after ``IDLE_SECONDS`` without a socket (then the thread is let go)."""
        if self.stopping.is_set():
            return False
        with self.lock:
            if self.thread is not threading.current_thread():
                return False
            if self.listeners:
                self.idle_since = None
                return True
            now = time.monotonic()
            if self.idle_since is None:
                self.idle_since = now
            if now - self.idle_since < IDLE_SECONDS:
                return True
            self.thread, self.idle_since = None, None
            return False

    def _listen(self) -> None:
        with self.app.app_context():
            redis_url = self.app.config.get("REDIS_URL")
            while self._go_on():
                try:
                    if redis_url:
                        self._follow_redis(redis_url)
                    else:
                        self._poll()
                except Exception:
                    log.warning("live events: listener failed, retrying", exc_info=True)
                    db.session.remove()
                    self.stopping.wait(RETRY_SECONDS)

    def _catch_up(self) -> None:
        # A look back over the last few ids catches a write that committed after a later one.
        for event in events_after(max(self.floor, self.last_id - LOOK_BACK)):
            self.deliver(event)

    def _poll(self) -> None:
        while self._go_on():
            self._catch_up()
            db.session.remove()
            self.stopping.wait(POLL_SECONDS)

    def _follow_redis(self, url: str) -> None:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(CHANNEL)
            # Whatever was published while this process was not subscribed.
            self._catch_up()
            db.session.remove()
            while self._go_on():
                message = pubsub.get_message(timeout=1.0)
                if message and message["type"] == "message":
                    self.deliver(json.loads(message["data"]))
        finally:
            pubsub.close()
            client.close()


def hub(app: Flask | None = None) -> Hub:
    """The process's hub for ``app`` (default: the current one)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Hub | None = app.extensions.get("journal_live")
    if found is None:
        found = app.extensions.setdefault("journal_live", Hub(app))
    return found


# --- the table ---------------------------------------------------------------------------------


def latest_id() -> int:
    """The newest event's id (0 when there is none)."""
    return int(db.session.scalar(select(func.max(LiveEvent.id))) or 0)


def events_after(after: int, limit: int = KEEP_EVENTS) -> list[Event]:
    """Stored events newer than ``after``, oldest first, at most ``limit``."""
    rows = db.session.execute(
        select(LiveEvent.id, LiveEvent.payload)
        .where(LiveEvent.id > after, LiveEvent.created_at >= utcnow() - KEEP_FOR)
        .order_by(LiveEvent.id)
        .limit(limit)
    ).all()
    return [{**json.loads(payload), "id": event_id} for event_id, payload in rows]


def oldest_kept_id() -> int | None:
    """The oldest event a resuming socket can still get."""
    found = db.session.scalar(
        select(func.min(LiveEvent.id)).where(LiveEvent.created_at >= utcnow() - KEEP_FOR)
    )
    return int(found) if found is not None else None
