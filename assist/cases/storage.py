"""Storing the scanned collective-decision minutes (PDF, JPEG or PNG) under STORAGE_DIR.

Deliberately small: the hardship files bring a shared attachment mechanism, and this
helper is to be folded into it when the two meet.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from assist.core.errors import ValidationError

#: Magic numbers: the content decides the type, never the file name or the browser.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


@dataclass(frozen=True)
class StoredFile:
    path: str  # relative to STORAGE_DIR
    name: str  # the uploader's file name, for display only
    mime: str
    sha256: str


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def store_upload(upload, *, field: str = "attachment") -> StoredFile:
    """Check an uploaded file's content and size, and store it under a random name."""

    def fail(message: str):
        raise ValidationError(message, fields={field: message})

    if upload is None or not getattr(upload, "filename", ""):
        fail(_("Attach the scanned minutes (PDF, JPEG or PNG)."))
    data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    if not data:
        fail(_("The file is empty."))
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        fail(_("The file is larger than allowed."))
    match = next((sig for sig in _SIGNATURES if data.startswith(sig[0])), None)
    if match is None:
        fail(_("Only PDF, JPEG and PNG files are accepted."))
    _magic, mime, suffix = match
    relative = Path("cases") / f"{secrets.token_hex(16)}{suffix}"
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    name = os.path.basename(upload.filename.replace("\\", "/"))[:255] or f"minutes{suffix}"
    return StoredFile(str(relative), name, mime, hashlib.sha256(data).hexdigest())


def open_stored(relative: str) -> Path:
    """Return the absolute path of a stored file, refusing anything outside STORAGE_DIR."""
    root = _root().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise FileNotFoundError(relative)
    return path
