"""Writing to the audit log: the one mechanism every state change goes through."""

from typing import Any

from flask import has_request_context, request

from assist.audit.models import AuditEntry
from assist.extensions import db


def client_ip() -> str:
    if not has_request_context():
        return "cli"
    return request.remote_addr or ""


def record(
    action: str,
    *,
    acting_user=None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    centre=None,
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
    username: str = "",
) -> AuditEntry:
    """Add one audit row in the current transaction (the caller commits with its change)."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id or getattr(obj, "id", "")
    if centre is None and acting_user is not None and obj is None:
        centre = getattr(acting_user, "centre", None)
    entry = AuditEntry(
        user_id=getattr(acting_user, "id", None),
        username=username or getattr(acting_user, "username", ""),
        ip=client_ip(),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        centre_path=getattr(centre, "path", "") or "",
        before=before,
        after=after,
        comment=comment[:500],
    )
    db.session.add(entry)
    return entry


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Return only the keys whose values changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
