"""Reading the audit log, for administrators and auditors, within their scope."""

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.auth.models import Role
from assist.centres.scoping import path_in_scope, roles_required
from assist.core.nav import register_nav
from assist.core.pagination import paginate
from assist.core.timeutil import local_to_utc

bp = Blueprint("audit", __name__, url_prefix="/audit")

register_nav(
    _l("Audit log"), "audit.index", roles=(Role.ADMIN, Role.AUDITOR), order=90, group="admin"
)


def _local_date(value: str | None):
    try:
        return datetime.strptime(value or "", "%Y-%m-%d")
    except ValueError:
        return None


@bp.route("/")
@login_required
@roles_required(Role.ADMIN, Role.AUDITOR)
def index():
    args = request.args
    stmt = select(AuditEntry).where(path_in_scope(current_user, AuditEntry.centre_path))
    if args.get("user"):
        stmt = stmt.where(AuditEntry.username == args["user"].strip().lower())
    if args.get("action"):
        stmt = stmt.where(AuditEntry.action == args["action"].strip())
    if args.get("object_type"):
        stmt = stmt.where(AuditEntry.object_type == args["object_type"].strip())
    if args.get("object_id"):
        stmt = stmt.where(AuditEntry.object_id == args["object_id"].strip())
    start, end = _local_date(args.get("from")), _local_date(args.get("to"))
    if start:
        stmt = stmt.where(AuditEntry.at >= local_to_utc(start))
    if end:
        stmt = stmt.where(AuditEntry.at < local_to_utc(end + timedelta(days=1)))
    page = paginate(stmt, per_page=50, key=AuditEntry.id)
    return render_template("audit/index.html", page=page, args=args)
