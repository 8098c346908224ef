"""/api/v1/verifications: civil-affairs requests and results."""

import base64
import binascii

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assist.api import api_route, created, json_body, require_roles
from assist.api.core import iso
from assist.applicants.services import SENSITIVE_ROLES
from assist.core.errors import ValidationError
from assist.core.masking import mask_id
from assist.core.money import fen_to_decimal_str
from assist.core.scoping import get_scoped_or_404, scoped
from assist.exchange import civil
from assist.exchange.models import VerificationRequest
from assist.extensions import db

CREATE = {
    "type": "object",
    "properties": {
        "by": {"type": "string", "enum": ["due", "category", "hand"]},
        "category": {"type": "string"},
        "file_ids": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["by"],
}
RESULTS = {
    "type": "object",
    "properties": {"filename": {"type": "string"}, "content_base64": {"type": "string"}},
    "required": ["filename", "content_base64"],
}


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
        "checked_income": fen_to_decimal_str(r.checked_income_fen)
        if r.checked_income_fen is not None
        else None,
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
    body = json_body()
    by, category, ids = body.get("by"), body.get("category", ""), body.get("file_ids", [])
    if not isinstance(by, str) or not isinstance(category, str) or not isinstance(ids, list):
        raise ValidationError(
            _("Please correct the marked fields."),
            fields={"by": _("Choose how the files are selected.")},
        )
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        message = _("Send the file ids as whole numbers.")
        raise ValidationError(message, fields={"file_ids": message})
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
    body = json_body()
    filename, content = body.get("filename"), body.get("content_base64")
    if not isinstance(filename, str) or not isinstance(content, str):
        raise ValidationError(
            _("Please correct the marked fields."),
            fields={"filename": _("Required."), "content_base64": _("Required.")},
        )
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        message = _("Send the file's content in base64.")
        raise ValidationError(message, fields={"content_base64": message}) from None
    results, problems = civil.import_results(filename, data, acting_user=current_user)
    db.session.commit()
    return created({"results": [result_json(r) for r in results], "problems": problems})
