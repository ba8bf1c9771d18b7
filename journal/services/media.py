"""Photos: read an upload, clean and re-encode it, store it, say who may see it, remove it.

An upload's type is judged by its bytes (Pillow, limited to JPEG, PNG, WebP, GIF and
HEIC/HEIF), never by its name or ``Content-Type``. It is turned upright (EXIF orientation),
converted to sRGB, and written again from its pixels alone, so no EXIF (GPS), XMP, IPTC or
ICC block survives: a full-size original, a display size (1600 px) and a thumbnail (400 px).
An animated GIF keeps its first frame only.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import ColumnElement, delete, exists, func, insert, inspect, or_, select

from journal.exceptions import MediaNotFound, MediaTooLarge, NotAnImage
from journal.extensions import db
from journal.models import Entry, Media, User, entry_media, utcnow
from journal.models.media import VARIANTS, media_key
from journal.services import listings
from journal.services.storage import Storage, media_storage

log = logging.getLogger(__name__)

DISPLAY_SIZE = 1600
THUMB_SIZE = 400
# Pillow's names of the formats we read; anything else (SVG, PDF, HTML, TIFF...) is refused.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF")
NOT_AN_IMAGE = "This file is not a photo we can take: use JPEG, PNG, WebP, GIF or HEIC."
# The address of one of this site's photos in a Markdown body (as journal.markdown reads it).
MEDIA_REFERENCE_RE = re.compile(r"/media/([A-Za-z0-9_-]{1,32})(?![A-Za-z0-9_-])", re.ASCII)
ALT_UNSAFE_RE = re.compile(r"[\[\]\\\r\n\t`<>]+")


@dataclass(frozen=True)
class ProcessedImage:
    """An upload once cleaned: three encoded files of one type, and what to say about it."""

    content_type: str
    width: int
    height: int
    original: bytes
    display: bytes
    thumb: bytes
    first_frame_only: bool

    def variants(self) -> dict[str, bytes]:
        """Variant name -> encoded bytes."""
        return {"original": self.original, "display": self.display, "thumb": self.thumb}

    @property
    def total_bytes(self) -> int:
        """What the three files take together (counted against the quota)."""
        return len(self.original) + len(self.display) + len(self.thumb)


def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


def megapixels(pixels: int) -> str:
    """``pixels`` in words, e.g. ``50 megapixels``."""
    return f"{pixels / 1_000_000:g} megapixels"


def size_in_words(size: int) -> str:
    """``size`` bytes in words, e.g. ``20 MiB``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage(NOT_AN_IMAGE) from None


def _to_srgb(image: Image.Image) -> Image.Image:
    """The image in sRGB (its ICC profile applied, then dropped), in RGB, RGBA or L mode."""
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else ("L" if image.mode in {"1", "L", "I;16"} else "RGB")
    icc = image.info.get("icc_profile")
    if icc and image.mode in {"RGB", "RGBA", "CMYK", "L"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, target, outputMode=out_mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels are taken as they are
    if image.mode == "I;16":
        image = image.point(lambda value: value / 256)
    return image.convert(mode) if image.mode != mode else image


def _encode(image: Image.Image, kind: str) -> bytes:
    """``image`` written as ``kind`` with nothing but its pixels."""
    image.info = {}  # no EXIF, XMP, ICC or text chunk is carried into the file
    out = io.BytesIO()
    if kind == "image/jpeg":
        # RGB or L here: an image with transparency is stored as PNG or WebP.
        # No ``optimize``/``progressive``: they make a 12-megapixel photo take 7 times longer.
        image.save(out, "JPEG", quality=85)
    elif kind == "image/webp":
        image.save(out, "WEBP", quality=85, method=4)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def process_image(data: bytes, max_pixels: int) -> ProcessedImage:
    """Check, clean and re-encode one upload; raises ``NotAnImage`` or ``MediaTooLarge``."""
    _register_heif()
    # Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that: both refuse here.
    Image.MAX_IMAGE_PIXELS = max_pixels
    too_many = MediaTooLarge(
        f"This photo has more than {megapixels(max_pixels)} (MEDIA_MAX_PIXELS): "
        "make it smaller and try again."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                if probe.width * probe.height > max_pixels:
                    raise too_many
                probe.verify()
            with _open(data) as image:
                source_format = image.format
                first_frame_only = bool(getattr(image, "is_animated", False))
                image.seek(0)
                image.load()
                # No name keeps the decoded or the upright copy: each goes once it is used.
                clean = _to_srgb(ImageOps.exif_transpose(image) or image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many from None
        except (MediaTooLarge, NotAnImage):
            raise
        except Exception:  # noqa: BLE001
            # Truncated, corrupt, or hostile: a decoder fails in its own way (OSError,
            # SyntaxError, struct.error, IndexError...); each is a file we cannot take.
            raise NotAnImage(NOT_AN_IMAGE) from None
    if source_format in {"PNG", "GIF"} or clean.mode == "RGBA":
        kind = "image/png" if source_format != "WEBP" else "image/webp"
    elif source_format == "WEBP":
        kind = "image/webp"
    else:
        kind = "image/jpeg"
    width, height = clean.size
    original = _encode(clean, kind)
    # Shrunk in place, the display size from the original and the thumbnail from that: no
    # further full-size copy is held while a 50-megapixel photo is processed.
    clean.thumbnail((DISPLAY_SIZE, DISPLAY_SIZE), Image.Resampling.LANCZOS)
    display = _encode(clean, kind)
    clean.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        content_type=kind,
        width=width,
        height=height,
        original=original,
        display=display,
        thumb=_encode(clean, kind),
        first_frame_only=first_frame_only,
    )


# --- uploads ------------------------------------------------------------------------------


def quota_used(user: User) -> int:
    """Bytes the user's photos take in storage."""
    used = db.session.scalar(
        select(func.coalesce(func.sum(Media.bytes), 0)).where(Media.uploader_id == user.id)
    )
    return int(used or 0)


@dataclass(frozen=True)
class QuotaUse:
    """How much of their photo quota someone uses, in bytes and in words."""

    used: int
    quota: int

    @property
    def used_words(self) -> str:
        """E.g. ``3.2 MiB``."""
        return size_in_words(self.used)

    @property
    def quota_words(self) -> str:
        """E.g. ``1 GiB``."""
        return size_in_words(self.quota)

    @property
    def percent(self) -> int:
        """Whole percent used."""
        return min(100, self.used * 100 // self.quota) if self.quota > 0 else 100


def quota_use(user: User) -> QuotaUse:
    """The user's photo storage use against ``MEDIA_QUOTA_BYTES``."""
    return QuotaUse(quota_used(user), int(current_app.config["MEDIA_QUOTA_BYTES"]))


def alt_text(filename: str) -> str:
    """The default alt text of an upload: its file name without folder or extension."""
    stem = PurePath(filename.replace("\\", "/")).stem if filename else ""
    stem = ALT_UNSAFE_RE.sub(" ", stem).strip()
    return stem[:100] or "photo"


def markdown_for(media: Media, alt: str) -> str:
    """The Markdown image line that shows ``media``."""
    return f"![{alt}](/media/{media.id})"


def check_size(size: int) -> None:
    """Refuse a file over ``MEDIA_MAX_BYTES`` (413, naming the limit)."""
    limit = int(current_app.config["MEDIA_MAX_BYTES"])
    if size > limit:
        raise MediaTooLarge(
            f"This file is larger than {size_in_words(limit)}, the limit for one photo "
            "(MEDIA_MAX_BYTES)."
        )


def _remove_objects(storage: Storage, keys: Iterable[str]) -> None:
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001  (best effort: media-gc cannot see a lost object)
            log.exception("could not remove stored photo file %s", key)


def store_upload(uploader: User, data: bytes) -> tuple[Media, ProcessedImage]:
    """Process one upload and store it for ``uploader``: files first, then the row.

    A failure at any step leaves neither a file nor a row behind.
    """
    check_size(len(data))
    processed = process_image(data, int(current_app.config["MEDIA_MAX_PIXELS"]))
    quota = int(current_app.config["MEDIA_QUOTA_BYTES"])
    used = quota_used(uploader)
    if used + processed.total_bytes > quota:
        raise MediaTooLarge(
            f"This photo would take you over your storage quota of {size_in_words(quota)} "
            f"(MEDIA_QUOTA_BYTES; {size_in_words(used)} used). Delete photos you no longer "
            "use, or ask the operator for more."
        )
    media = Media(
        id=secrets.token_urlsafe(16),
        uploader_id=uploader.id,
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        bytes=processed.total_bytes,
        sha256=hashlib.sha256(processed.original).hexdigest(),
        created_at=utcnow(),
    )
    storage = media_storage()
    written: list[str] = []
    try:
        for variant, encoded in processed.variants().items():
            key = media.key(variant)
            written.append(key)
            storage.put(key, encoded, processed.content_type)
        db.session.add(media)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove_objects(storage, written)
        raise
    return media, processed


def discard(media_ids: Iterable[str]) -> None:
    """Remove these photos (rows, then files) at once: uploads of a request that failed."""
    ids = list(media_ids)
    if not ids:
        return
    rows = list(db.session.scalars(select(Media).where(Media.id.in_(ids))))
    db.session.execute(delete(Media).where(Media.id.in_(ids)))
    db.session.commit()
    _remove_objects(media_storage(), [m.key(v) for m in rows for v in VARIANTS])


# --- which entries use which photo ----------------------------------------------------------


def referenced_ids(body: str) -> set[str]:
    """Ids of the ``/media/<id>`` addresses in a Markdown body."""
    return set(MEDIA_REFERENCE_RE.findall(body))


def link_entry_media(entry: Entry) -> None:
    """Record which of its author's photos ``entry``'s body shows (in the caller's transaction).

    Only the author's own uploads are linked: naming someone else's photo id in a public
    entry must not make their photo visible.
    """
    wanted = referenced_ids(entry.body)
    if not wanted and inspect(entry).pending:
        return  # a new entry without photos: nothing to link or unlink
    db.session.flush()
    db.session.execute(delete(entry_media).where(entry_media.c.entry_id == entry.id))
    if not wanted:
        return
    own = db.session.scalars(
        select(Media.id).where(Media.id.in_(wanted), Media.uploader_id == entry.author_id)
    ).all()
    if own:
        db.session.execute(
            insert(entry_media), [{"entry_id": entry.id, "media_id": media_id} for media_id in own]
        )


def get_visible_media(media_id: str, viewer: User | None) -> Media:
    """The photo, if ``viewer`` may see an entry using it or uploaded it unused; else 404."""
    used_by_visible_entry = exists().where(
        entry_media.c.media_id == Media.id,
        entry_media.c.entry_id == Entry.id,
        listings.visible_to(viewer),
    )
    rule: ColumnElement[bool] = used_by_visible_entry
    if viewer is not None:
        unused = ~exists().where(entry_media.c.media_id == Media.id)
        rule = or_(used_by_visible_entry, (Media.uploader_id == viewer.id) & unused)
    media = db.session.scalar(select(Media).where(Media.id == media_id, rule))
    if media is None:
        raise MediaNotFound()
    return media


def is_public(media: Media) -> bool:
    """Whether anyone at all may see ``media`` (a public entry uses it)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    entry_media.c.media_id == media.id,
                    entry_media.c.entry_id == Entry.id,
                    listings.visible_to(None),
                )
            )
        )
    )


def read_variant(media: Media, variant: str) -> bytes:
    """The stored bytes of one variant of ``media``."""
    return media_storage().get(media.key(variant))


# --- lifecycle ------------------------------------------------------------------------------


def collect_garbage(grace: timedelta, now: datetime | None = None) -> int:
    """Remove photos no entry uses, uploaded longer than ``grace`` ago; returns how many.

    Safe on several hosts at once: each row is claimed by its own conditional DELETE, and
    only the run whose DELETE removed it removes its files.
    """
    cutoff = (now or utcnow()) - grace
    unused = ~exists().where(entry_media.c.media_id == Media.id)
    candidates = db.session.execute(
        select(Media.id, Media.content_type).where(Media.created_at < cutoff, unused)
    ).all()
    db.session.rollback()
    storage = media_storage()
    removed = 0
    for media_id, content_type in candidates:
        claimed = db.session.execute(
            delete(Media).where(Media.id == media_id, Media.created_at < cutoff, unused)
        )
        db.session.commit()
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another run took it, or an entry started using it meanwhile
        _remove_objects(storage, [media_key(media_id, content_type, v) for v in VARIANTS])
        removed += 1
    return removed


def remove_all_of(user: User) -> list[str]:
    """Delete the rows of every photo ``user`` uploaded (in the caller's transaction).

    Returns the storage keys to remove once that transaction commits.
    """
    rows = db.session.execute(
        select(Media.id, Media.content_type).where(Media.uploader_id == user.id)
    ).all()
    db.session.execute(delete(Media).where(Media.uploader_id == user.id))
    return [
        media_key(media_id, content_type, variant)
        for media_id, content_type in rows
        for variant in VARIANTS
    ]


def remove_objects(keys: Iterable[str]) -> None:
    """Remove stored files by key (after the rows that named them are gone)."""
    _remove_objects(media_storage(), keys)
