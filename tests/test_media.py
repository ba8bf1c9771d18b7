"""Photos: hostile uploads, cleaning, storage on a folder and on S3, who sees what, limits."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from journal.extensions import db
from journal.models import Entry, Media, User, entry_media, utcnow
from journal.services.storage import Storage, media_storage
from tests.conftest import AuthActions
from tests.helpers import PASSWORD, count, csrf_token, post_form, text_of

GPS_IFD = 0x8825
ORIENTATION = 0x0112

# --- the two storages -----------------------------------------------------------------------


@dataclass
class Bucket:
    """Where the app under test stores photos, and how to list and read it from outside."""

    kind: str
    root: Path | None = None
    endpoint: str = ""
    name: str = ""

    def keys(self) -> list[str]:
        """Every stored object's key (relative to the storage root or prefix), sorted."""
        if self.kind == "local":
            assert self.root is not None
            if not self.root.exists():
                return []
            return sorted(
                str(path.relative_to(self.root)) for path in self.root.rglob("*") if path.is_file()
            )
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint)
        listed = client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"].removeprefix("photos/") for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        """The stored bytes of ``key``, read past the app."""
        if self.kind == "local":
            assert self.root is not None
            return (self.root / key).read_bytes()
        import boto3

        client = boto3.client("s3", endpoint_url=self.endpoint)
        body: bytes = client.get_object(Bucket=self.name, Key=f"photos/{key}")["Body"].read()
        return body


@pytest.fixture(params=["local", "s3"])
def bucket(request: pytest.FixtureRequest, tmp_path: Path) -> Bucket:
    """A folder, then a bucket on a real S3-compatible server."""
    if request.param == "local":
        return Bucket("local", root=tmp_path / "media")
    endpoint, name = request.getfixturevalue("s3_bucket")
    return Bucket("s3", endpoint=endpoint, name=name)


@pytest.fixture
def app(app_factory: Callable[..., Flask], bucket: Bucket) -> Flask:
    """The app storing photos in ``bucket``."""
    if bucket.kind == "local":
        return app_factory(MEDIA_ROOT=str(bucket.root))
    return app_factory(MEDIA_STORAGE=f"s3://{bucket.name}/photos", S3_ENDPOINT_URL=bucket.endpoint)


# --- images made for the tests -----------------------------------------------------------------


def encoded(image: Image.Image, kind: str, **options: Any) -> bytes:
    """``image`` saved as ``kind``."""
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF saying where and how it was taken, turned a quarter (orientation 6)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "SpyCam"  # Make
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    return exif


def jpeg_with_gps() -> bytes:
    """A 64 x 48 JPEG with GPS EXIF, XMP and a comment."""
    image = Image.new("RGB", (64, 48), "red")
    return encoded(
        image, "JPEG", exif=gps_exif(), xmp=b"<x:xmpmeta>secret place</x:xmpmeta>", comment=b"hi"
    )


def jpeg_with_icc_profile() -> bytes:
    """A JPEG carrying an embedded ICC colour profile."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encoded(Image.new("RGB", (40, 30), "orange"), "JPEG", icc_profile=profile)


def heic_with_gps() -> bytes:
    """A 64 x 48 HEIC photo with GPS EXIF, as a phone takes them."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return encoded(Image.new("RGB", (64, 48), "blue"), "HEIF", exif=gps_exif().tobytes())


def plain_jpeg(width: int = 64, height: int = 48) -> bytes:
    """A JPEG of noise (so it does not compress to nothing)."""
    return encoded(Image.effect_noise((width, height), 64).convert("RGB"), "JPEG", quality=95)


def polyglot_jpeg_html() -> bytes:
    """A real JPEG that is also an HTML page with a script."""
    script = b"<html><script>alert(document.cookie)</script></html>"
    return encoded(Image.new("RGB", (32, 32), "green"), "JPEG", comment=script) + script


def png_bomb() -> bytes:
    """A tiny PNG whose header claims 100,000 x 100,000 pixels."""
    import struct
    import zlib

    small = encoded(Image.new("L", (1, 1)), "PNG")
    ihdr_at = small.index(b"IHDR")
    header = b"IHDR" + struct.pack(">II", 100_000, 100_000) + small[ihdr_at + 12 : ihdr_at + 17]
    crc = struct.pack(">I", zlib.crc32(header) & 0xFFFFFFFF)
    return small[:ihdr_at] + header + crc + small[ihdr_at + 21 :]


def many_frame_gif(frames: int = 10_000) -> bytes:
    """An animated GIF with ``frames`` frames (alternating, so none are merged)."""
    images = [Image.new("L", (4, 4), 255 * (i % 2)) for i in range(frames)]
    return encoded(images[0], "GIF", save_all=True, append_images=images[1:], duration=20)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(1)</script>"


def upload(
    client: FlaskClient, data: bytes, filename: str = "photo.jpg", form_page: str = "/entry"
) -> Any:
    """POST one file to ``/media`` as the editor does (the token read from ``form_page``)."""
    token = csrf_token(client, form_page)
    return client.post(
        "/media",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def assert_clean(data: bytes) -> None:
    """No metadata block, no script, and Pillow reads it as an image with no EXIF."""
    assert b"Exif" not in data
    assert b"xmpmeta" not in data and b"secret" not in data
    assert b"<script" not in data.lower() and b"<html" not in data.lower()
    assert b"SpyCam" not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "icc_profile" not in image.info and "xmp" not in image.info
    assert "exif" not in image.info and "comment" not in image.info


# --- hostile files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "filename", "status", "message"),
    [
        ("svg with script", lambda: SVG, "x.svg", 415, "not a photo"),
        ("svg named .jpg", lambda: SVG, "x.jpg", 415, "not a photo"),
        ("pdf", lambda: PDF, "x.pdf", 415, "not a photo"),
        ("html named .jpg", lambda: HTML, "x.jpg", 415, "not a photo"),
        ("truncated jpeg", lambda: plain_jpeg(400, 300)[:1500], "x.jpg", 415, "not a photo"),
        ("png bomb", png_bomb, "x.png", 413, "MEDIA_MAX_PIXELS"),
        ("empty file", lambda: b"", "x.jpg", 415, "not a photo"),
    ],
)
def test_hostile_file_is_refused_and_nothing_is_stored(
    app: Flask,
    signed_in: FlaskClient,
    bucket: Bucket,
    name: str,
    make: Callable[[], bytes],
    filename: str,
    status: int,
    message: str,
) -> None:
    response = upload(signed_in, make(), filename)
    assert response.status_code == status, name
    assert response.mimetype == "application/problem+json"
    assert message in response.get_json()["detail"]
    assert count(app, Media) == 0
    assert bucket.keys() == []


@pytest.mark.parametrize(
    ("name", "make", "filename", "stored_type", "size"),
    [
        ("jpeg with gps exif", jpeg_with_gps, "holiday.jpg", "image/jpeg", (48, 64)),
        ("heic with gps exif", heic_with_gps, "IMG_0001.HEIC", "image/jpeg", (48, 64)),
        ("jpeg with icc profile", jpeg_with_icc_profile, "c.jpg", "image/jpeg", (40, 30)),
        ("polyglot jpeg/html", polyglot_jpeg_html, "x.jpg", "image/jpeg", (32, 32)),
        ("gif with 10,000 frames", many_frame_gif, "anim.gif", "image/png", (4, 4)),
        ("named ../../x.jpg", plain_jpeg, "../../x.jpg", "image/jpeg", (64, 48)),
    ],
)
def test_hostile_file_is_cleaned_as_the_stored_bytes_show(
    app: Flask,
    signed_in: FlaskClient,
    bucket: Bucket,
    tmp_path: Path,
    name: str,
    make: Callable[[], bytes],
    filename: str,
    stored_type: str,
    size: tuple[int, int],
) -> None:
    response = upload(signed_in, make(), filename)
    assert response.status_code == 201, text_of(response)
    body = response.get_json()
    assert body["content_type"] == stored_type
    assert (body["width"], body["height"]) == size  # EXIF orientation applied
    media_id = body["id"]
    alt = Path(filename.replace("\\", "/")).stem
    assert body["markdown"] == f"![{alt}](/media/{media_id})"
    extension = {"image/jpeg": "jpg", "image/png": "png"}[stored_type]
    assert bucket.keys() == sorted(
        f"{media_id}/{variant}.{extension}" for variant in ("display", "original", "thumb")
    )
    for key in bucket.keys():
        data = bucket.read(key)
        assert_clean(data)
        stored = Image.open(io.BytesIO(data))
        assert stored.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[stored_type]
        assert getattr(stored, "n_frames", 1) == 1
    assert not (tmp_path.parent / "x.jpg").exists() and not (tmp_path / "x.jpg").exists()
    served = signed_in.get(f"/media/{media_id}/original")
    assert served.status_code == 200
    assert_clean(served.data)


def test_large_photo_gets_display_and_thumbnail_sizes(
    signed_in: FlaskClient, bucket: Bucket
) -> None:
    # A gradient, not noise: a small file, so the test client keeps the body in memory.
    big = Image.linear_gradient("L").resize((2400, 1200)).convert("RGB")
    response = upload(signed_in, encoded(big, "JPEG"))
    media_id = response.get_json()["id"]
    sizes = {
        variant: Image.open(io.BytesIO(signed_in.get(path).data)).size
        for variant, path in [
            ("original", f"/media/{media_id}/original"),
            ("display", f"/media/{media_id}"),
            ("thumb", f"/media/{media_id}/thumb"),
        ]
    }
    assert sizes == {"original": (2400, 1200), "display": (1600, 800), "thumb": (400, 200)}


# --- a failed upload leaves nothing behind --------------------------------------------------


class FailsOnSecondPut:
    """The real storage, except that its second ``put`` fails (a network drop mid-upload)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.puts = 0

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        if self.puts == 2:
            raise ConnectionError("storage went away")
        self.storage.put(key, data, content_type)

    def get(self, key: str) -> bytes:
        return self.storage.get(key)

    def delete(self, key: str) -> None:
        self.storage.delete(key)

    def exists(self, key: str) -> bool:
        return self.storage.exists(key)


def test_storage_failing_mid_upload_leaves_no_object_and_no_row(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    with app.app_context():
        app.extensions["media_storage"] = FailsOnSecondPut(media_storage())
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as a user sees it: a 500 page
    assert upload(signed_in, plain_jpeg()).status_code == 500
    assert bucket.keys() == []
    assert count(app, Media) == 0


# --- who sees what -----------------------------------------------------------------------------


def store(app: Flask, user: User, data: bytes | None = None) -> str:
    """Upload a photo for ``user`` through the service; returns its id."""
    from journal.services.media import store_upload

    with app.app_context():
        uploader = db.session.get(User, user.id)
        assert uploader is not None
        media, _ = store_upload(uploader, data or plain_jpeg())
        return media.id


VISIBILITY = {
    # viewer: (photo in a private entry, photo in a public entry, unused upload)
    "author": (200, 200, 200),
    "other user": (404, 200, 404),
    "anonymous": (404, 200, 404),
}


@pytest.mark.parametrize("viewer", list(VISIBILITY))
def test_who_may_see_a_photo(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    bucket: Bucket,
    viewer: str,
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    in_private, in_public, unused = store(app, alice), store(app, alice), store(app, alice)
    make_entry(alice, body=f"![a](/media/{in_private})", visibility="private")
    make_entry(alice, body=f"![b](/media/{in_public}/thumb)", visibility="public")
    if viewer != "anonymous":
        auth.login("alice" if viewer == "author" else "bob")
    expected = VISIBILITY[viewer]
    for photo, status in zip((in_private, in_public, unused), expected, strict=True):
        for suffix in ("", "/thumb", "/original"):
            response = client.get(f"/media/{photo}{suffix}")
            assert response.status_code == status, (viewer, photo, suffix)
    assert bob is not None


def test_another_users_photo_named_in_a_public_entry_stays_hidden(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
) -> None:
    alice, mallory = make_user("alice"), make_user("mallory")
    secret = store(app, alice)
    make_entry(mallory, body=f"Look: ![x](/media/{secret})", visibility="public")
    assert client.get(f"/media/{secret}").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(entry_media.c.media_id)).all() == []


def test_photo_answers_carry_type_nosniff_inline_name_etag_and_caching(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
) -> None:
    alice = make_user("alice")
    public, private = store(app, alice), store(app, alice)
    make_entry(alice, body=f"![p](/media/{public})", visibility="public")
    make_entry(alice, body=f"![q](/media/{private})", visibility="private")
    anonymous = client.get(f"/media/{public}/thumb")
    assert anonymous.status_code == 200
    assert anonymous.headers["Content-Type"] == "image/jpeg"
    assert anonymous.headers["X-Content-Type-Options"] == "nosniff"
    assert anonymous.headers["Content-Disposition"] == f'inline; filename="{public}-thumb.jpg"'
    assert anonymous.headers["ETag"]
    assert "public" in anonymous.headers["Cache-Control"]
    again = client.get(
        f"/media/{public}/thumb", headers={"If-None-Match": anonymous.headers["ETag"]}
    )
    assert again.status_code == 304
    auth.login()
    own = client.get(f"/media/{private}")
    assert own.status_code == 200
    assert own.headers["Cache-Control"] == "private, no-store"
    assert client.get("/media/..%2F..%2Fetc").status_code == 404
    assert client.get("/media/" + "a" * 40).status_code == 404


def test_entry_page_shows_its_photo_lazily(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], make_entry: Callable[..., int]
) -> None:
    alice = make_user("alice")
    photo = store(app, alice)
    entry_id = make_entry(alice, body=f"![my cat](/media/{photo})", visibility="public")
    page = text_of(client.get(f"/entries/{entry_id}"))
    assert re.search(rf'<img[^>]*src="/media/{photo}"', page)
    assert 'loading="lazy"' in page


def test_atom_feed_carries_absolute_photo_addresses(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], make_entry: Callable[..., int]
) -> None:
    app.config["PUBLIC_URL"] = "https://journal.example"
    alice = make_user("alice")
    photo = store(app, alice)
    make_entry(alice, body=f"![cat](/media/{photo})", visibility="public")
    feed = text_of(client.get("/feed.atom"))
    assert f"src=&quot;https://journal.example/media/{photo}&quot;" in feed or (
        f'src="https://journal.example/media/{photo}"' in feed
    )
    assert 'src="/media/' not in feed and "src=&quot;/media/" not in feed


# --- the entry form without JavaScript --------------------------------------------------------


def post_entry(
    client: FlaskClient, path: str, files: list[tuple[bytes, str]], **fields: Any
) -> Any:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, "/entry"),
        "title": "Photos",
        "body": "The day.",
        "visibility": "public",
        "tags": "",
        "date": "",
        **fields,
    }
    data["media"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def test_entry_form_appends_each_uploaded_photo_to_the_body(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    response = post_entry(
        signed_in, "/entry", [(plain_jpeg(), "cat.jpg"), (jpeg_with_gps(), "b.jpg")]
    )
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        entry = db.session.scalars(select(Entry)).one()
        ids = [m.id for m in db.session.scalars(select(Media).order_by(Media.created_at))]
        linked = set(db.session.scalars(select(entry_media.c.media_id)))
        body = entry.body
    assert len(ids) == 2 and linked == set(ids)
    assert body.startswith("The day.\n\n")
    assert "![cat](/media/" in body and "![b](/media/" in body
    assert len(bucket.keys()) == 6
    page = text_of(signed_in.get(response.headers["Location"]))
    assert all(f'src="/media/{media_id}"' in page for media_id in ids)


def test_entry_form_without_files_still_saves(app: Flask, signed_in: FlaskClient) -> None:
    response = post_entry(signed_in, "/entry", [(b"", "")])
    assert response.status_code == 302
    assert count(app, Media) == 0


def test_entry_form_refuses_a_non_image_and_keeps_the_text(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    response = post_entry(
        signed_in, "/entry", [(plain_jpeg(), "ok.jpg"), (SVG, "evil.svg")], body="Kept words."
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "evil: This file is not a photo" in page
    assert "Kept words." in page
    assert count(app, Entry) == 0 and count(app, Media) == 0
    assert bucket.keys() == []


def test_entry_refused_by_its_rules_removes_the_photos_it_brought(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    response = post_entry(signed_in, "/entry", [(plain_jpeg(), "a.jpg")], date="2999-01-01T00:00")
    assert response.status_code == 422
    assert "no more than a day from now" in text_of(response)
    assert count(app, Entry) == 0 and count(app, Media) == 0
    assert bucket.keys() == []


def test_entry_form_takes_at_most_twenty_files(app: Flask, signed_in: FlaskClient) -> None:
    small = plain_jpeg(4, 4)
    response = post_entry(signed_in, "/entry", [(small, f"{i}.jpg") for i in range(21)])
    assert response.status_code == 422
    assert "At most 20 photos" in text_of(response)
    assert count(app, Media) == 0


def test_edit_form_adds_photos_and_removing_the_line_releases_them(
    app: Flask, signed_in: FlaskClient, make_entry: Callable[..., int], user: User
) -> None:
    entry_id = make_entry(user, body="Before.")
    path = f"/entries/{entry_id}/edit"
    response = post_entry(signed_in, path, [(plain_jpeg(), "a.jpg")], body="Before.")
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        assert len(db.session.scalars(select(entry_media.c.media_id)).all()) == 1
    post_entry(signed_in, path, [], body="No photo now.")
    with app.app_context():
        assert db.session.scalars(select(entry_media.c.media_id)).all() == []


def test_entry_form_without_csrf_token_saves_nothing(app: Flask, signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/entry",
        data={"title": "t", "body": "b", "media": [(io.BytesIO(plain_jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(app, Entry) == 0 and count(app, Media) == 0


# --- limits ----------------------------------------------------------------------------------


def test_file_over_media_max_bytes_is_413_naming_the_limit(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    app.config["MEDIA_MAX_BYTES"] = 2000
    data = plain_jpeg(200, 200)
    assert len(data) > 2000
    response = upload(signed_in, data)
    assert response.status_code == 413
    assert "MEDIA_MAX_BYTES" in response.get_json()["detail"]
    assert bucket.keys() == [] and count(app, Media) == 0


def test_body_over_the_upload_limit_is_413_naming_the_limit(
    app: Flask, signed_in: FlaskClient
) -> None:
    app.config.update(MEDIA_MAX_BYTES=2000, MAX_CONTENT_LENGTH=1000)
    response = upload(signed_in, plain_jpeg(200, 200))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "MEDIA_MAX_BYTES" in response.get_json()["detail"]
    assert count(app, Media) == 0


def test_upload_may_exceed_max_content_length(app: Flask, signed_in: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    data = plain_jpeg(600, 600)
    assert len(data) > 50_000
    assert upload(signed_in, data).status_code == 201


def test_api_upload_may_exceed_max_content_length(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str]
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    data = plain_jpeg(600, 600)
    response = client.post(
        "/api/v1/media",
        headers=alice_bearer,
        data={"file": (io.BytesIO(data), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, text_of(response)


def test_signed_out_body_is_held_to_max_content_length(app: Flask, client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    data = plain_jpeg(600, 600)
    token = csrf_token(client, "/login")
    response = client.post(
        "/media",
        data={"csrf_token": token, "file": (io.BytesIO(data), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert count(app, Media) == 0


def test_photo_over_media_max_pixels_is_413(app: Flask, signed_in: FlaskClient) -> None:
    app.config["MEDIA_MAX_PIXELS"] = 1000
    response = upload(signed_in, plain_jpeg(100, 100))
    assert response.status_code == 413
    assert "MEDIA_MAX_PIXELS" in response.get_json()["detail"]


def test_quota_is_413_naming_the_limit_and_the_account_page_shows_use(
    app: Flask, signed_in: FlaskClient, bucket: Bucket
) -> None:
    first = upload(signed_in, plain_jpeg())
    used = first.get_json()["bytes"]
    app.config["MEDIA_QUOTA_BYTES"] = used + 10
    second = upload(signed_in, plain_jpeg())
    assert second.status_code == 413
    assert "MEDIA_QUOTA_BYTES" in second.get_json()["detail"]
    assert len(bucket.keys()) == 3 and count(app, Media) == 1
    page = text_of(signed_in.get("/account"))
    assert "Your photos use" in page and f"{used / 1024:.1f}".removesuffix(".0") in page


def test_uploads_are_rate_limited_per_account(app: Flask, signed_in: FlaskClient) -> None:
    app.config["RATELIMIT_MEDIA_PER_ACCOUNT"] = "2 per hour"
    small = plain_jpeg(4, 4)
    assert [upload(signed_in, small).status_code for _ in range(3)] == [201, 201, 429]


def test_upload_needs_a_signed_in_user(app: Flask, client: FlaskClient, user: User) -> None:
    response = upload(client, plain_jpeg(), form_page="/login")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert count(app, Media) == 0


# --- the API -----------------------------------------------------------------------------------


def test_api_upload_answers_201_with_the_photo(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str], bucket: Bucket
) -> None:
    response = client.post(
        "/api/v1/media",
        headers=alice_bearer,
        data={"file": (io.BytesIO(jpeg_with_gps()), "trip.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, text_of(response)
    body = response.get_json()
    assert set(body) == {
        "id", "url", "thumb_url", "markdown", "content_type", "width", "height", "bytes",
    }  # fmt: skip
    assert body["url"] == f"/media/{body['id']}"
    assert body["thumb_url"] == f"/media/{body['id']}/thumb"
    assert body["markdown"] == f"![trip](/media/{body['id']})"
    assert len(bucket.keys()) == 3


def test_api_refuses_a_non_image_with_415_problem(
    app: Flask, client: FlaskClient, alice_bearer: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/media",
        headers=alice_bearer,
        data={"file": (io.BytesIO(SVG), "x.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "not a photo" in response.get_json()["detail"]
    assert count(app, Media) == 0


def test_openapi_document_describes_the_upload(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/media"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"201", "413", "415"} <= set(operation["responses"])


# --- lifecycle ---------------------------------------------------------------------------------


def test_media_gc_removes_old_unused_photos_only_once(
    app: Flask,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    bucket: Bucket,
) -> None:
    alice = make_user("alice")
    used, old_unused, young_unused = store(app, alice), store(app, alice), store(app, alice)
    make_entry(alice, body=f"![u](/media/{used})", visibility="private")
    with app.app_context():
        for media_id in (used, old_unused):
            row = db.session.get(Media, media_id)
            assert row is not None
            row.created_at = utcnow() - timedelta(hours=30)
        db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["journal", "media-gc"])
    assert first.exit_code == 0, first.output
    assert "Removed 1 unused photo(s)." in first.output
    second = runner.invoke(args=["journal", "media-gc"])
    assert "Removed 0 unused photo(s)." in second.output
    remaining = {key.split("/")[0] for key in bucket.keys()}
    assert remaining == {used, young_unused}
    with app.app_context():
        assert set(db.session.scalars(select(Media.id))) == {used, young_unused}


def test_media_gc_runs_at_once_remove_each_photo_once(
    app: Flask, make_user: Callable[..., User], bucket: Bucket
) -> None:
    import threading

    from journal.services.media import collect_garbage

    alice = make_user("alice")
    photos = {store(app, alice, plain_jpeg(8, 8)) for _ in range(6)}
    removed: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            start.wait()
            removed.append(collect_garbage(timedelta(0), now=utcnow() + timedelta(seconds=1)))
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(removed) == len(photos) == 6
    assert bucket.keys() == []
    assert count(app, Media) == 0


def test_deleting_an_entry_releases_its_photo(
    app: Flask,
    signed_in: FlaskClient,
    client: FlaskClient,
    user: User,
    make_entry: Callable[..., int],
    bucket: Bucket,
) -> None:
    photo = store(app, user)
    entry_id = make_entry(user, body=f"![u](/media/{photo})", visibility="public")
    post_form(signed_in, f"/entries/{entry_id}/delete", form_page=f"/entries/{entry_id}")
    with app.app_context():
        assert db.session.scalars(select(entry_media.c.media_id)).all() == []
    result = app.test_cli_runner().invoke(args=["journal", "media-gc", "--grace-hours", "0"])
    assert "Removed 1 unused photo(s)." in result.output
    assert bucket.keys() == []


def test_deleting_the_account_leaves_no_object_behind(
    app: Flask,
    signed_in: FlaskClient,
    user: User,
    make_user: Callable[..., User],
    make_entry: Callable[..., int],
    bucket: Bucket,
) -> None:
    bob = make_user("bob")
    bobs = store(app, bob)
    used, unused = store(app, user), store(app, user)
    make_entry(user, body=f"![u](/media/{used})", visibility="public")
    assert len(bucket.keys()) == 9
    response = post_form(signed_in, "/account/delete", form_page="/account", password=PASSWORD)
    assert response.status_code == 302
    assert {key.split("/")[0] for key in bucket.keys()} == {bobs}
    with app.app_context():
        assert set(db.session.scalars(select(Media.id))) == {bobs}
    assert unused
