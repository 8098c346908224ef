"""Storing, listing, serving and removing attachments; the owner registry.

Files are checked by content, never by name or the browser's claimed type: PDF by its header
and trailer, JPEG and PNG by their signatures and a full decode check with Pillow. They are
written under STORAGE_DIR (outside the web root) with random names, and reach a browser only
through the access-checked download route.
"""

import hashlib
import io
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, url_for
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from assist.attachments.models import Attachment
from assist.audit.services import record
from assist.core.errors import PermissionDenied, ValidationError
from assist.core.inputs import id_or_none
from assist.core.timeutil import utcnow
from assist.extensions import db

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}


@dataclass(frozen=True)
class Owner:
    """How a domain's records own attachments.

    `load(owner_id, user)` returns the owning record within the user's scope or raises NotFound;
    `centre(obj)` gives the centre for the audit log; `can_read(user, obj)` and
    `can_change(user, obj)` say who may download and who may add or remove documents;
    `kinds` are the kinds of document the owner takes.
    """

    load: Callable
    centre: Callable
    can_read: Callable
    can_change: Callable
    kinds: frozenset[str]


OWNERS: dict[str, Owner] = {}


def register_owner(owner_type: str, owner: Owner) -> None:
    OWNERS[owner_type] = owner


def sniff(head: bytes) -> str | None:
    """Return the content type that the first bytes announce, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _check_content(data: bytes) -> str:
    refused = _("Only PDF, JPEG or PNG files are accepted; this file is none of them.")
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(refused, fields={"file": refused})
    if content_type == PDF:
        if b"%%EOF" not in data[-2048:]:
            message = _("This PDF is incomplete or damaged; scan or save it again.")
            raise ValidationError(message, fields={"file": message})
        if pdf_has_active_content(data):
            message = _(
                "This PDF contains JavaScript, automatic actions or embedded files, which are "
                "not accepted; scan the paper, or print the document to a new PDF, and upload that."
            )
            raise ValidationError(message, fields={"file": message})
        return PDF
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        message = _("This image is damaged and cannot be opened; scan or save it again.")
        raise ValidationError(message, fields={"file": message}) from None
    if {"JPEG": JPEG, "PNG": PNG}.get(fmt or "") != content_type:
        raise ValidationError(refused, fields={"file": refused})
    return content_type


#: Dictionary keys that carry scripts, automatic actions, launched programs or files inside.
_ACTIVE_KEYS = frozenset(
    {"/JavaScript", "/JS", "/AA", "/Launch", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
#: Action types (/S) that run something rather than go to a page.
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"})
_ACTIVE_RAW = re.compile(rb"/(JavaScript|JS|AA|Launch|EmbeddedFiles|EF|RichMedia|XFA)\b")
#: More objects than any scanned document has; a file beyond it is not searched further.
_MAX_PDF_OBJECTS = 200_000


def pdf_has_active_content(data: bytes) -> bool:
    """Whether a PDF holds JavaScript, automatic actions (/OpenAction or /AA that run
    something), launch actions or embedded files, anywhere in its object graph.

    pypdf reads the structure (compressed object streams and #-escaped names included); a file
    it cannot read is searched as raw bytes instead.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        todo, seen = [reader.trailer], set()
        while todo and len(seen) < _MAX_PDF_OBJECTS:
            obj = todo.pop()
            if isinstance(obj, IndirectObject):
                ref = (obj.idnum, obj.generation)
                if ref in seen:
                    continue
                seen.add(ref)
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                if _ACTIVE_KEYS.intersection(obj.keys()) or obj.get("/S") in _ACTIVE_ACTIONS:
                    return True
                todo.extend(v for k, v in obj.items() if k not in ("/Parent", "/P"))
            elif isinstance(obj, ArrayObject):
                todo.extend(obj)
        return False
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        return _ACTIVE_RAW.search(data) is not None


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """Re-encode an image without its metadata (EXIF, GPS location, comments).

    The pixels are turned upright first, since the orientation lives in the EXIF being dropped.
    """
    from PIL import ImageOps

    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        out = io.BytesIO()
        if content_type == JPEG:
            upright.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        else:
            upright.save(out, format="PNG", optimize=True)
    return out.getvalue()


def clean_filename(name: str | None, content_type: str) -> str:
    """Keep a readable display name: no path, no control characters, the true extension."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name).strip(" .")[:150] or "document"
    return stem + EXTENSIONS[content_type]


def storage_root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def path_for(attachment: Attachment) -> Path:
    return storage_root() / attachment.storage_key[:2] / attachment.storage_key


def store_attachment(
    file_storage,
    *,
    acting_user,
    owner_type: str,
    owner,
    kind: str,
    images_only: bool = False,
) -> Attachment:
    """Check an uploaded file by its content and size, store it, and record it for `owner`.

    With `images_only` (photos), PDFs are refused and the image's metadata is stripped.
    """
    spec = OWNERS[owner_type]
    if not spec.can_change(acting_user, owner):
        raise PermissionDenied(_("Your role does not allow adding documents here."))
    if kind not in spec.kinds:
        message = _("Choose what kind of document this is.")
        raise ValidationError(message, fields={"kind": message})
    if file_storage is None or not getattr(file_storage, "filename", None):
        message = _("Choose a file to upload.")
        raise ValidationError(message, fields={"file": message})
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        message = _(
            "The file is larger than %(mb)s MB; scan it at a lower resolution or split it.",
            mb=f"{limit / 1024 / 1024:g}",
        )
        raise ValidationError(message, fields={"file": message})
    if not data:
        message = _("The file is empty.")
        raise ValidationError(message, fields={"file": message})
    content_type = _check_content(data)
    if images_only:
        if content_type == PDF:
            message = _("Only JPEG or PNG photos are accepted.")
            raise ValidationError(message, fields={"file": message})
        data = strip_metadata(data, content_type)

    key = secrets.token_hex(32)
    target = storage_root() / key[:2] / key
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_suffix(".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)

    attachment = Attachment(
        owner_type=owner_type,
        owner_id=owner.id,
        kind=kind,
        original_name=clean_filename(file_storage.filename, content_type),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=acting_user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record(
        "attachment.added",
        acting_user=acting_user,
        obj=attachment,
        centre=spec.centre(owner),
        after={
            "owner": f"{owner_type}:{owner.id}",
            "kind": kind,
            "name": attachment.original_name,
            "sha256": attachment.sha256,
            "bytes": attachment.size_bytes,
        },
    )
    return attachment


def attachments_of(owner_type: str, owner_id: int) -> list[Attachment]:
    """The owner's documents that have not been removed, oldest first."""
    stmt = (
        select(Attachment)
        .where(
            Attachment.owner_type == owner_type,
            Attachment.owner_id == owner_id,
            Attachment.removed_at.is_(None),
        )
        .order_by(Attachment.id)
    )
    return list(db.session.scalars(stmt))


def has_attachment(owner_type: str, owner_id: int, kind: str) -> bool:
    stmt = select(Attachment.id).where(
        Attachment.owner_type == owner_type,
        Attachment.owner_id == owner_id,
        Attachment.kind == kind,
        Attachment.removed_at.is_(None),
    )
    return db.session.scalar(stmt.limit(1)) is not None


def load_for(
    attachment_id, user, *, change: bool = False, owner_type: str | None = None, owner_id=None
) -> tuple[Attachment, object]:
    """Load an attachment and its owner within the user's scope (404 otherwise), checking roles.

    With `owner_type` and `owner_id`, an attachment that belongs to anything else is a 404 too:
    owners of different types share ids.
    """
    from assist.centres.scoping import not_found

    attachment_id = id_or_none(attachment_id)
    if attachment_id is None:
        raise not_found()
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.removed_at is not None:
        raise not_found()
    if owner_type is not None and (attachment.owner_type, attachment.owner_id) != (
        owner_type,
        owner_id,
    ):
        raise not_found()
    spec = OWNERS.get(attachment.owner_type)
    if spec is None:
        raise not_found()
    owner = spec.load(attachment.owner_id, user)
    allowed = spec.can_change(user, owner) if change else spec.can_read(user, owner)
    if not allowed:
        raise PermissionDenied(_("Your role does not allow this."))
    return attachment, owner


def as_json(attachment: Attachment) -> dict:
    """The API form of a document: what it is and where to download it."""
    return {
        "id": attachment.id,
        "kind": attachment.kind,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at.isoformat(timespec="seconds") + "Z",
        "download_url": url_for("attachments.download", attachment_id=attachment.id),
    }


def record_download(attachment: Attachment, owner, *, acting_user) -> None:
    record(
        "attachment.downloaded",
        acting_user=acting_user,
        obj=attachment,
        centre=OWNERS[attachment.owner_type].centre(owner),
    )


def remove_attachment(attachment: Attachment, owner, *, acting_user, reason: str) -> None:
    """Withdraw a document uploaded by mistake; the stored file is kept for the record."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the document is removed.")
        raise ValidationError(message, fields={"reason": message})
    attachment.removed_at = utcnow()
    attachment.removed_by_id = acting_user.id
    record(
        "attachment.removed",
        acting_user=acting_user,
        obj=attachment,
        centre=OWNERS[attachment.owner_type].centre(owner),
        comment=reason,
    )
    db.session.flush()
