"""Staged uploads: a scan sent with a form that was refused is kept for its uploader.

The scan is stored like any attachment, owned by the uploading user (owner type "staged"),
so the re-shown form can say "already uploaded" instead of asking for the file again. When the
form is then accepted the scan moves to its record (`adopt`); scans never adopted are purged
after STAGED_UPLOAD_RETENTION_HOURS by the periodic job kind `attachments.purge_staged`.
Only the uploader sees, downloads or removes a staged scan; anyone else gets a 404.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from assist.attachments.models import Attachment, AttachmentKind
from assist.attachments.services import (
    Owner,
    path_for,
    register_owner,
    store_attachment,
)
from assist.audit.services import record
from assist.core.inputs import id_or_none
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.jobs.registry import register_kind

OWNER_TYPE = "staged"
PURGE_KIND = "attachments.purge_staged"
PURGE_EVERY = 3600


def _load_owner(owner_id: int, user):
    from assist.centres.scoping import not_found

    if user is None or not getattr(user, "is_authenticated", False) or owner_id != user.id:
        raise not_found()
    return user


register_owner(
    OWNER_TYPE,
    Owner(
        load=_load_owner,
        centre=lambda user: user.centre,
        can_read=lambda user, owner: user.id == owner.id,
        can_change=lambda user, owner: user.id == owner.id,
        kinds=frozenset(k.value for k in AttachmentKind),
    ),
)


def stage(file_storage, *, acting_user, kind: str) -> Attachment:
    """Keep an upload of a refused form for its uploader (the file is checked as always)."""
    return store_attachment(
        file_storage, acting_user=acting_user, owner_type=OWNER_TYPE, owner=acting_user, kind=kind
    )


def staged_for(user, attachment_id) -> Attachment | None:
    """The user's own staged scan with this id, or None (someone else's is never returned)."""
    attachment_id = id_or_none(attachment_id)
    if attachment_id is None:
        return None
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.owner_type != OWNER_TYPE
        or attachment.owner_id != user.id
        or attachment.removed_at is not None
    ):
        return None
    return attachment


def adopt(attachment: Attachment, *, acting_user, owner_type: str, owner, centre) -> None:
    """Move a staged scan to the record its accepted form created."""
    attachment.owner_type = owner_type
    attachment.owner_id = owner.id
    record(
        "attachment.added",
        acting_user=acting_user,
        obj=attachment,
        centre=centre,
        after={
            "owner": f"{owner_type}:{owner.id}",
            "kind": attachment.kind,
            "name": attachment.original_name,
            "sha256": attachment.sha256,
            "bytes": attachment.size_bytes,
            "staged": True,
        },
    )
    db.session.flush()


def discard(attachment: Attachment, *, acting_user) -> None:
    """The uploader removed a staged scan from the form: it is withdrawn at once."""
    attachment.removed_at = utcnow()
    attachment.removed_by_id = acting_user.id
    record(
        "attachment.removed",
        acting_user=acting_user,
        obj=attachment,
        centre=acting_user.centre,
        comment="staged upload removed from the form",
    )
    db.session.flush()


def purge_expired(now=None) -> int:
    """Delete staged scans older than the retention period, file and row; returns the count."""
    now = now or utcnow()
    hours = current_app.config["STAGED_UPLOAD_RETENTION_HOURS"]
    stale = db.session.scalars(
        select(Attachment).where(
            Attachment.owner_type == OWNER_TYPE,
            Attachment.uploaded_at < now - timedelta(hours=hours),
        )
    ).all()
    for attachment in stale:
        path_for(attachment).unlink(missing_ok=True)
        record(
            "attachment.purged",
            obj=attachment,
            after={"name": attachment.original_name, "sha256": attachment.sha256},
        )
        db.session.delete(attachment)
    db.session.commit()
    return len(stale)


register_kind(PURGE_KIND, lambda params: {"purged": purge_expired()}, every=PURGE_EVERY)
