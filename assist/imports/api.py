"""/api/v1/imports: upload a ledger (with `dry_run`), read the check's results, confirm."""

import base64
import binascii

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assist.api import api_route, created, fields, job_started, require_roles
from assist.api.core import iso
from assist.auth.models import Role
from assist.core.errors import ValidationError
from assist.core.scoping import get_scoped_or_404, scoped
from assist.extensions import db
from assist.imports import jobs, services
from assist.imports.models import LedgerImport, LedgerImportRow

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
UPLOAD = fields.Schema(
    filename=fields.Text(200, required=True, description="ends .xlsx, .xls or .csv"),
    content_base64=fields.Text(20_000_000, required=True),
    mapping=fields.Data(values=fields.Text(100), max_depth=1),
    target_status=fields.Choice(["applied", "active"], default="applied"),
    dry_run=fields.Bool(default=True),
)


def import_json(batch: LedgerImport, *, with_rows: bool = False) -> dict:
    out = {
        "id": batch.id,
        "centre": batch.centre.code,
        "filename": batch.filename,
        "status": batch.status,
        "headers": batch.headers,
        "mapping": batch.mapping,
        "target_status": batch.target_status,
        "total": batch.total,
        "done": batch.done,
        "percent": batch.percent,
        "error": batch.error or None,
        "valid_rows": batch.valid_rows,
        "invalid_rows": batch.invalid_rows,
        "imported_files": batch.imported_files,
        "created_at": iso(batch.created_at),
        "checked_at": iso(batch.checked_at),
        "imported_at": iso(batch.imported_at),
    }
    if with_rows:
        rows = db.session.scalars(
            select(LedgerImportRow)
            .where(LedgerImportRow.import_id == batch.id, LedgerImportRow.status != "valid")
            .order_by(LedgerImportRow.row_no)
            .limit(1000)
        )
        out["rows"] = [
            {
                "row": r.row_no,
                "name": r.name,
                "id_number": r.id_masked,
                "status": r.status,
                "problems": r.problems,
            }
            for r in rows
        ]
    return out


@api_route("/imports", tags=["imports"], summary="Ledger imports in the caller's scope")
def list_imports():
    require_roles(*READERS)
    batches = db.session.scalars(
        scoped(select(LedgerImport), current_user, LedgerImport.centre_id)
        .order_by(LedgerImport.id.desc())
        .limit(100)
    )
    return jsonify({"items": [import_json(b) for b in batches]})


@api_route(
    "/imports",
    methods=["POST"],
    tags=["imports"],
    summary="Upload a ledger and check every row; with dry_run false, import the valid ones",
    request_schema=UPLOAD,
    responses={
        201: {"description": "the import with each problem row"},
        202: {
            "description": "above IMPORT_INLINE_ROWS rows: the check (and, without dry_run, "
            "the import) runs as a job; GET status_url until checked or imported"
        },
    },
)
def upload_import():
    body = UPLOAD.body()
    filename, content, dry_run, mapping = (
        body.filename,
        body.content_base64,
        body.dry_run,
        body.mapping,
    )
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        message = _("Send the file's content in base64.")
        raise ValidationError(message, fields={"content_base64": message}) from None
    batch = services.upload(filename, data, acting_user=current_user)
    services.set_mapping(
        batch,
        mapping if mapping is not None else batch.mapping,
        body.target_status,
        acting_user=current_user,
    )
    if jobs.in_background(batch):
        # as on the page: a large ledger is checked (then, without dry_run, imported) by jobs
        jobs.start(batch, jobs.CHECK_KIND, acting_user=current_user, then_confirm=not dry_run)
        return job_started(batch, _accepted_json)
    services.check(batch, acting_user=current_user)
    if not dry_run:
        services.confirm(batch, acting_user=current_user)
    db.session.commit()
    return created(import_json(batch, with_rows=True))


def _accepted_json(batch: LedgerImport) -> dict:
    """The work runs as a job; GET the status URL until the status is checked/imported."""
    payload = import_json(batch, with_rows=batch.status in ("checked", "imported"))
    payload["status_url"] = url_for("api.get_import", import_id=batch.id)
    return payload


@api_route("/imports/<int:import_id>", tags=["imports"], summary="An import and its problem rows")
def get_import(import_id: int):
    require_roles(*READERS)
    return jsonify(
        import_json(get_scoped_or_404(LedgerImport, import_id, current_user), with_rows=True)
    )


@api_route(
    "/imports/<int:import_id>/confirm",
    methods=["POST"],
    tags=["imports"],
    summary="Import the checked import's valid rows as files",
    responses={
        200: {"description": "the import, done"},
        202: {"description": "above IMPORT_INLINE_ROWS rows: runs as a job; GET status_url"},
    },
)
def confirm_import(import_id: int):
    batch = get_scoped_or_404(LedgerImport, import_id, current_user)
    if jobs.in_background(batch):
        services.check_confirm(batch, acting_user=current_user)
        jobs.start(batch, jobs.CONFIRM_KIND, acting_user=current_user)
        return job_started(batch, _accepted_json)
    services.confirm(batch, acting_user=current_user)
    db.session.commit()
    return jsonify(import_json(batch, with_rows=True))
