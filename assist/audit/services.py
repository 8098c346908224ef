"""Writing to the audit log: the one mechanism every state change goes through."""

import logging
from typing import Any

from flask import g, has_request_context, request

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


def record_even_if_refused(action: str, **kwargs) -> None:
    """Audit an action that the request refuses: the row is written after the request ends,
    in its own transaction, so the refusal's rollback does not take the record with it.

    Outside a request the row is added to the current transaction like `record`.
    """
    if not has_request_context():
        record(action, **kwargs)
        return
    user = kwargs.get("acting_user")
    centre = kwargs.get("centre") or getattr(user, "centre", None)
    g.setdefault("audit_after_request", []).append(
        {
            "user_id": getattr(user, "id", None),
            "username": kwargs.get("username") or getattr(user, "username", ""),
            "ip": client_ip(),
            "action": action,
            "object_type": kwargs.get("object_type", ""),
            "object_id": str(kwargs.get("object_id", "")),
            "centre_path": getattr(centre, "path", "") or "",
            "after": kwargs.get("after"),
            "comment": kwargs.get("comment", "")[:500],
        }
    )


def pending_refusals(action: str, user_id: int | None) -> int:
    """How many rows of `action` by `user_id` this request is still to write."""
    if not has_request_context():
        return 0
    rows = g.get("audit_after_request", [])
    return sum(1 for r in rows if r["action"] == action and r["user_id"] == user_id)


def write_refusals(response):
    """After-request hook: write the rows `record_even_if_refused` kept aside."""
    rows = g.pop("audit_after_request", None)
    if rows:
        try:
            db.session.rollback()  # whatever the request left unfinished is not ours to keep
            db.session.add_all(AuditEntry(**row) for row in rows)
            db.session.commit()
        except Exception:  # noqa: BLE001 - never turn a refusal into a 500; say so in the log
            db.session.rollback()
            logging.getLogger(__name__).exception("could not write %d audit rows", len(rows))
    return response


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Return only the keys whose values changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
