"""Reading the audit log, for administrators and auditors, within their scope, in words."""

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from assist.audit import labels, services
from assist.audit.models import AuditEntry
from assist.auth.models import Role, User
from assist.centres.models import Centre
from assist.centres.scoping import path_in_scope, roles_required, scoped, scoped_centres
from assist.core.forms import day_arg
from assist.core.nav import register_nav
from assist.core.pagination import paginate
from assist.core.timeutil import local_to_utc
from assist.exports.registry import Column, ExportSpec, register_export, requested_format, respond
from assist.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.after_app_request(services.write_refusals)

register_nav(
    _l("Audit log"), "audit.index", roles=(Role.ADMIN, Role.AUDITOR), order=90, group="admin"
)


def _changes_text(entry: AuditEntry) -> str:
    parts = []
    for field, old, new in labels.changes(entry.before, entry.after):
        parts.append(f"{field}: {old} → {new}" if old is not None else f"{field}: {new}")
    return "; ".join(parts)


register_export(
    ExportSpec(
        "audit",
        _l("Audit log"),
        (
            Column(_l("Time"), lambda e: e.at, "datetime"),
            Column(_l("User"), lambda e: e.username),
            Column(_l("IP address"), lambda e: e.ip),
            Column(
                _l("Kind of action"), lambda e: str(labels.KINDS.get(e.action.split(".")[0], ""))
            ),
            Column(_l("Action"), lambda e: labels.action_label(e.action)),
            Column(_l("Object"), lambda e: labels.object_label(e.object_type)),
            Column(_l("Object no."), lambda e: e.object_id),
            Column(_l("Changes"), _changes_text),
            Column(_l("Note"), lambda e: e.comment),
        ),
        endpoint="audit.index",
    )
)


def _filtered(args, centres: list[Centre]):
    stmt = select(AuditEntry).where(path_in_scope(current_user, AuditEntry.centre_path))
    if args.get("user"):
        stmt = stmt.where(AuditEntry.username == args["user"].strip().lower())
    if args.get("kind") in labels.KINDS:
        stmt = stmt.where(AuditEntry.action.startswith(args["kind"] + ".", autoescape=True))
    if args.get("action"):
        stmt = stmt.where(AuditEntry.action == args["action"].strip())
    centre = next((c for c in centres if c.code == args.get("centre")), None)
    if centre is not None:
        stmt = stmt.where(AuditEntry.centre_path.startswith(centre.path, autoescape=True))
    if args.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == args["object_type"].strip())
    if args.get("object_id"):
        stmt = stmt.where(AuditEntry.object_id == args["object_id"].strip())
    start, end = day_arg(args, "from"), day_arg(args, "to")
    if start:
        stmt = stmt.where(AuditEntry.at >= local_to_utc(start))
    if end:
        stmt = stmt.where(AuditEntry.at < local_to_utc(end + timedelta(days=1)))
    return stmt


@bp.route("/")
@login_required
@roles_required(Role.ADMIN, Role.AUDITOR)
def index():
    args = request.args
    centres = list(db.session.scalars(scoped_centres(current_user)))
    stmt = _filtered(args, centres)
    fmt = requested_format()
    if fmt:
        return respond("audit", stmt.order_by(AuditEntry.id.desc()), fmt)
    page = paginate(stmt, per_page=50, key=AuditEntry.id)
    users = db.session.scalars(
        scoped(select(User), current_user, User.centre_id).order_by(User.username)
    ).all()
    names = {u.username: u.full_name or u.username for u in users}
    return render_template(
        "audit/index.html",
        page=page,
        args=args,
        users=users,
        names=names,
        centres=centres,
        kinds=labels.KINDS,
        labels=labels,
    )
