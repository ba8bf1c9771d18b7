"""Where photo files live: one small interface, a local folder or S3-compatible storage.

Keys look like ``<media id>/display.jpg``. ``MEDIA_STORAGE`` chooses the backend: ``local``
(a folder, ``MEDIA_ROOT``, by default ``instance/media``) or ``s3://bucket/prefix`` (boto3,
with ``S3_ENDPOINT_URL`` for a server other than AWS and the standard ``AWS_*`` variables).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

# What a key may look like: no "..", no absolute paths, nothing a folder could misread.
KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}/[a-z]{1,16}\.[a-z]{1,8}", re.ASCII)
EXTENSION_KEY = "media_storage"


class ObjectMissing(KeyError):
    """No object is stored under that key."""


def checked_key(key: str) -> str:
    """``key`` if it has the shape of a media key; ``ValueError`` otherwise."""
    if KEY_RE.fullmatch(key) is None:
        raise ValueError(f"not a media storage key: {key!r}")
    return key


class Storage(Protocol):
    """Put, get, delete and check objects by key."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``ObjectMissing`` when there are none."""

    def delete(self, key: str) -> None:
        """Remove the object under ``key`` (nothing there is fine)."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""


class LocalStorage:
    """Objects as files under one folder; written whole (temporary file, then rename)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file that holds ``key``."""
        return self.root / checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``ObjectMissing`` when there are none."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def delete(self, key: str) -> None:
        """Remove the object under ``key`` (and its folder once empty)."""
        path = self.path(key)
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:
            pass  # other variants are still there, or it is already gone

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        return self.path(key).is_file()


class S3Storage:
    """Objects in an S3-compatible bucket, under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        options: dict[str, Any] = {}
        if endpoint_url:
            # A local or self-hosted endpoint has no per-bucket host names.
            options["endpoint_url"] = endpoint_url
            options["config"] = BotoConfig(s3={"addressing_style": "path"})
            if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
                options["region_name"] = "us-east-1"
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client: Any = boto3.client("s3", **options)

    def object_name(self, key: str) -> str:
        """The bucket's name for ``key``: the prefix, then the key."""
        key = checked_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""
        self.client.put_object(
            Bucket=self.bucket, Key=self.object_name(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; raises ``ObjectMissing`` when there are none."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key))
        except self.client.exceptions.NoSuchKey:
            raise ObjectMissing(key) from None
        data: bytes = answer["Body"].read()
        return data

    def delete(self, key: str) -> None:
        """Remove the object under ``key`` (nothing there is fine)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


def storage_from_settings(setting: str, root: str, endpoint_url: str | None) -> Storage:
    """The backend ``MEDIA_STORAGE`` names: ``local`` or ``s3://bucket/prefix``."""
    if setting == "local":
        return LocalStorage(root)
    if setting.startswith("s3://"):
        bucket, _, prefix = setting.removeprefix("s3://").partition("/")
        if bucket:
            return S3Storage(bucket, prefix, endpoint_url)
    raise ValueError(f"MEDIA_STORAGE must be 'local' or 's3://bucket/prefix', not {setting!r}")


def init_app(app: Flask) -> None:
    """Build the app's storage backend from its settings (no network until first use)."""
    app.extensions[EXTENSION_KEY] = storage_from_settings(
        app.config["MEDIA_STORAGE"], app.config["MEDIA_ROOT"], app.config["S3_ENDPOINT_URL"]
    )


def media_storage() -> Storage:
    """The current app's storage backend (built on first use)."""
    storage = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        init_app(current_app)
        storage = current_app.extensions[EXTENSION_KEY]
    return storage  # type: ignore[no-any-return]
