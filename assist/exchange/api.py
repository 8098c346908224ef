"""/api/v1/verifications: civil-affairs requests and results."""

import base64
import binascii

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assist.api import api_route, created, fields, require_roles
from assist.api.core import iso
from assist.api.fields import money_out
from assist.applicants.services import SENSITIVE_ROLES
from assist.core.errors import ValidationError
from assist.core.masking import mask_id
from assist.core.scoping import get_scoped_or_404, scoped
from assist.exchange import civil
from assist.exchange.models import VerificationRequest
from assist.extensions import db

CREATE = fields.Schema(
    by=fields.Choice(["due", "category", "hand"], required=True),
    category=fields.Text(40),
    file_ids=fields.ListOf(fields.Id(), max_items=1000),
)
RESULTS = fields.Schema(
    filename=fields.Text(200, required=True),
    content_base64=fields.Text(20_000_000, required=True),
)


def request_json(req: VerificationRequest, *, with_items: bool = False) -> dict:
    out = {
        "id": req.id,
        "centre": req.centre.code,
        "selection": req.selection,
        "status": req.status,
        "total": req.total,
        "created_at": iso(req.created_at),
        "sent_at": iso(req.sent_at),
    }
    if with_items:
        out["items"] = [
            {
                "file_no": i.applicant.file_no,
                "name": i.applicant.name,
                "id_number": mask_id(None, i.applicant.id_last4),
                "consent_signed_on": i.applicant.consent_signed_on.isoformat(),
            }
            for i in req.items
        ]
    return out


def result_json(r) -> dict:
    return {
        "id": r.id,
        "file_no": r.applicant.file_no,
        "on_dibao": r.on_dibao,
        "checked_income": money_out(r.checked_income_fen),
        "has_property": r.has_property,
        "has_vehicle": r.has_vehicle,
        "checked_on": r.checked_on.isoformat(),
        "source": r.source,
        "contradiction": r.contradiction or None,
    }


@api_route(
    "/verifications",
    tags=["verifications"],
    summary="Civil-affairs requests in scope and the results contradicting their files",
)
def list_verifications():
    require_roles(*SENSITIVE_ROLES)
    requests_ = db.session.scalars(
        scoped(select(VerificationRequest), current_user, VerificationRequest.centre_id)
        .order_by(VerificationRequest.id.desc())
        .limit(100)
    )
    contradictions = db.session.scalars(civil.contradictions_stmt(current_user).limit(500))
    return jsonify(
        {
            "requests": [request_json(r) for r in requests_],
            "contradictions": [result_json(r) for r in contradictions],
        }
    )


@api_route(
    "/verifications",
    methods=["POST"],
    tags=["verifications"],
    summary="Make a request: files by review due, category or by hand (consent recorded only)",
    request_schema=CREATE,
)
def create_verification():
    body = CREATE.body()
    by, category, ids = body.by, body.category, body.file_ids
    req = civil.create_request(current_user, by=by, value=category, file_ids=ids)
    db.session.commit()
    return created(request_json(req, with_items=True))


@api_route(
    "/verifications/<int:request_id>",
    tags=["verifications"],
    summary="One request and its households (IDs masked)",
)
def get_verification(request_id: int):
    require_roles(*SENSITIVE_ROLES)
    req = get_scoped_or_404(VerificationRequest, request_id, current_user)
    return jsonify(request_json(req, with_items=True))


@api_route(
    "/verifications/results",
    methods=["POST"],
    tags=["verifications"],
    summary="Record civil affairs' result file (XLSX or CSV, base64), matched by resident ID",
    request_schema=RESULTS,
)
def record_verification_results():
    body = RESULTS.body()
    filename, content = body.filename, body.content_base64
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        message = _("Send the file's content in base64.")
        raise ValidationError(message, fields={"content_base64": message}) from None
    results, problems = civil.import_results(filename, data, acting_user=current_user)
    db.session.commit()
    return created({"results": [result_json(r) for r in results], "problems": problems})
