"""What a signed-in person does with their own account: sessions, password, deletion."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, exists, select

from journal.exceptions import ValidationFailed
from journal.extensions import db
from journal.models import ApiToken, Entry, Tag, User, UserSession, entry_tags
from journal.services import events, media, zones
from journal.services.accounts import end_other_sessions
from journal.services.passwords import check_password, hash_password, password_problems

WRONG_PASSWORD = "That is not your current password."  # noqa: S105 (a message)


def active_sessions(user: User) -> Sequence[UserSession]:
    """The user's sessions, most recently used first."""
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()


def end_session_of(user: User, session_id: int) -> bool:
    """End one of the user's own sessions; ``False`` when it is not theirs or already gone."""
    result = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    db.session.commit()
    if result.rowcount:  # type: ignore[attr-defined]
        events.publish(events.sessions_ended(user.id, [session_id]))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def change_password(user: User, current_password: str, new_password: str) -> int:
    """Replace the password (the current one checked); ends other sessions and all API tokens."""
    if not check_password(user.password_hash, current_password):
        raise ValidationFailed.on("current_password", WRONG_PASSWORD)
    if problems := password_problems(new_password, user.username):
        raise ValidationFailed({"password": problems})
    user.password_hash = hash_password(new_password)
    # end_other_sessions commits the new hash and the ended sessions together.
    return end_other_sessions(user)


def delete_account(user: User, password: str) -> None:
    """Remove the account, its entries, their tag links, sessions and tokens in one go."""
    if not check_password(user.password_hash, password):
        raise ValidationFailed.on("password", WRONG_PASSWORD)
    own_entries = select(Entry.id).where(Entry.author_id == user.id)
    db.session.execute(delete(entry_tags).where(entry_tags.c.entry_id.in_(own_entries)))
    db.session.execute(delete(Entry).where(Entry.author_id == user.id))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    # Tags no entry uses any more go too: a tag name can itself say something private.
    db.session.execute(delete(Tag).where(~exists().where(entry_tags.c.tag_id == Tag.id)))
    user_id = user.id
    photo_keys = media.remove_all_of(user)
    db.session.execute(delete(User).where(User.id == user.id))
    db.session.commit()
    media.remove_objects(photo_keys)  # files go once no row names them
    events.publish(events.sessions_ended(user_id))


def change_timezone(user: User, zone_name: str) -> None:
    """Show ``user`` every date in ``zone_name``; ``ValidationFailed`` for an unknown zone."""
    zone_name = zone_name.strip()
    if not zones.is_valid_zone(zone_name):
        raise ValidationFailed.on("timezone", zones.UNKNOWN_ZONE_MESSAGE)
    user.timezone = zone_name
    db.session.commit()
