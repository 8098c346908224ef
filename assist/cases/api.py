"""The aid case endpoints of the JSON API (/api/v1/cases…)."""

from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from assist.api import api_route, created, json_body, require_roles
from assist.api.core import iso
from assist.applicants.models import Applicant
from assist.attachments.models import AttachmentKind
from assist.attachments.services import as_json
from assist.auth.models import Role
from assist.cases import attachments, queries, services
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus, Objection
from assist.centres.scoping import get_scoped_or_404, in_subtree, scoped, scoped_centres
from assist.core.errors import DomainError, NotFound, ValidationError
from assist.core.masking import mask_id
from assist.core.money import MoneyFormatError, fen_to_decimal_str, parse_yuan
from assist.documents import services as documents
from assist.documents.views import pdf_response
from assist.extensions import db

TAGS = ["cases"]
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
ACTIONS = ("submit", "approve", "recommend", "reject", "return", "withdraw")

MONEY = {"type": ["string", "null"], "pattern": r"^\d{1,12}(\.\d{1,2})?$", "examples": ["1500.00"]}

CASE_REQUEST = {
    "type": "object",
    "properties": {
        "applicant_id": {
            "type": ["integer", "null"],
            "description": "The hardship file; optional only for temporary relief",
        },
        "kind": {"type": "string", "enum": [k.value for k in AidKind]},
        "amount_requested": MONEY,
        "reason": {"type": "string"},
        "service": {"type": "string", "description": "legal and job aid: the service needed"},
        "self_paid": {**MONEY, "description": "medical aid: the self-paid part of the costs"},
        "school_level": {"type": "string", "enum": ["university", "high_school"]},
        "occasion": {"type": "string", "enum": ["spring_festival", "mid_autumn", "other"]},
        "person_name": {"type": "string", "description": "temporary relief / student"},
        "person_id": {"type": "string", "description": "18-character resident ID"},
        "person_address": {"type": "string", "description": "temporary relief"},
    },
    "required": ["kind", "reason"],
}

ACTION_REQUEST = {
    "type": "object",
    "properties": {
        "comment": {
            "type": "string",
            "description": "required for reject, return, withdraw and recommend",
        },
        "amount_approved": {**MONEY, "description": "approve / recommend; default: requested"},
    },
}

OBJECTION_REQUEST = {
    "type": "object",
    "properties": {
        "raised_by": {"type": "string"},
        "contact": {"type": "string"},
        "content": {"type": "string"},
    },
    "required": ["raised_by", "content"],
}

RESOLVE_REQUEST = {
    "type": "object",
    "properties": {
        "outcome": {"type": "string", "enum": ["uphold", "dismiss"]},
        "reason": {"type": "string"},
    },
    "required": ["outcome", "reason"],
}

CONFLICT = {"description": "Not possible in the case's state, or refused by a rule"}


def _money(body: dict, key: str) -> int | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        msg = _('Send amounts as strings in yuan, e.g. "1500.00".')
        raise ValidationError(msg, fields={key: msg})
    try:
        return parse_yuan(value)
    except MoneyFormatError as err:
        raise ValidationError(str(err), fields={key: str(err)}) from err


def _str(body: dict, key: str) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        msg = _("Send text.")
        raise ValidationError(msg, fields={key: msg})
    return value


def _money_out(fen: int | None) -> str | None:
    return None if fen is None else fen_to_decimal_str(fen)


def case_json(case: AidCase, *, detail: bool = False) -> dict:
    out = {
        "id": case.id,
        "case_no": case.case_no,
        "kind": case.kind,
        "status": case.status,
        "centre": case.centre.code,
        "approval_centre": case.approval_centre.code if case.approval_centre else None,
        "applicant": (
            {
                "id": case.applicant.id,
                "file_no": case.applicant.file_no,
                "name": case.applicant.name,
            }
            if case.applicant
            else None
        ),
        "person": (
            {
                "name": case.person_name,
                "id_number": mask_id(None, case.person_id_last4),
                "address": case.person_address,
            }
            if case.person_id_last4
            else None
        ),
        "amount_requested": _money_out(case.amount_requested_fen),
        "amount_approved": _money_out(case.amount_approved_fen),
        "recommended": _money_out(case.recommended_fen),
        "paid": _money_out(case.paid_fen),
        "service": case.service_given,
        "reason": case.reason,
        "school_level": case.school_level,
        "occasion": case.occasion,
        "self_paid": _money_out(case.self_paid_fen),
        "created_at": iso(case.created_at),
        "submitted_at": iso(case.submitted_at),
        "approved_at": iso(case.approved_at),
        "notice_started_at": iso(case.notice_started_at),
        "notice_ends_at": iso(case.notice_ends_at),
        "submitted_by": case.submitted_by.username if case.submitted_by else None,
        "approved_by": case.approved_by.username if case.approved_by else None,
    }
    if detail:
        events = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).all()
        out["timeline"] = [
            {
                "at": iso(e.at),
                "action": e.action,
                "user": e.user.username if e.user else None,
                "centre": e.centre.code if e.centre else None,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "comment": e.comment,
                "amount": _money_out(e.amount_fen),
            }
            for e in events
        ]
        out["objections"] = [
            {
                "id": o.id,
                "raised_by": o.raised_by,
                "content": o.content,
                "status": o.status,
                "resolution": o.resolution,
                "recorded_at": iso(o.recorded_at),
                "resolved_at": iso(o.resolved_at),
            }
            for o in case.objections
        ]
        out["attachments"] = [as_json(a) for a in attachments.case_attachments(case)]
        decision = case.collective_decision
        minutes = attachments.minutes_of(decision) if decision else None
        out["collective_decision"] = (
            {
                "meeting_date": decision.meeting_date.isoformat(),
                "reference": decision.reference,
                "attachment_name": decision.attachment_name,
                "attachment_sha256": decision.attachment_sha256,
                "attachment": as_json(minutes) if minutes else None,
            }
            if decision
            else None
        )
    return out


def _commit():
    try:
        db.session.commit()
    except StaleDataError as err:
        db.session.rollback()
        raise DomainError(
            _("Someone else changed this case at the same moment; look again.")
        ) from err


@api_route(
    "/cases",
    methods=["POST"],
    tags=TAGS,
    summary="Open a draft aid case",
    request_schema=CASE_REQUEST,
    responses={201: {"description": "the case"}, 409: CONFLICT},
)
def create_case():
    require_roles(Role.CASEWORKER)
    body = json_body()
    applicant = None
    if body.get("applicant_id") not in (None, ""):
        try:
            applicant_id = int(body["applicant_id"])
        except (TypeError, ValueError):
            applicant_id = 0
        applicant = db.session.scalars(
            scoped(
                select(Applicant).where(Applicant.id == applicant_id),
                current_user,
                Applicant.centre_id,
            )
        ).first()
        if applicant is None:
            msg = _("No such file in your scope.")
            raise ValidationError(msg, fields={"applicant_id": msg})
    data = services.CaseInput(
        kind=_str(body, "kind"),
        reason=_str(body, "reason"),
        amount_requested_fen=_money(body, "amount_requested"),
        service=_str(body, "service"),
        applicant=applicant,
        person_name=_str(body, "person_name"),
        person_id=_str(body, "person_id"),
        person_address=_str(body, "person_address"),
        school_level=_str(body, "school_level"),
        occasion=_str(body, "occasion"),
        self_paid_fen=_money(body, "self_paid"),
    )
    case = services.create_case(acting_user=current_user, data=data)
    db.session.commit()
    return created(case_json(case, detail=True))


@api_route(
    "/cases",
    tags=TAGS,
    summary="List cases in scope (filters: status, kind, centre, waiting_for_me, q)",
    parameters=[
        {"name": "status", "in": "query", "schema": {"type": "string"}},
        {"name": "kind", "in": "query", "schema": {"type": "string"}},
        {"name": "centre", "in": "query", "schema": {"type": "string"}},
        {
            "name": "waiting_for_me",
            "in": "query",
            "schema": {"type": "boolean"},
            "description": "only the cases in the caller's work queues",
        },
        {"name": "q", "in": "query", "schema": {"type": "string"}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 100}},
    ],
    responses={200: {"description": "{items, page, per_page, total}"}},
)
def list_cases():
    require_roles(*READ_ROLES)
    args = request.args
    stmt = queries.visible_cases(current_user)
    if args.get("status"):
        if args["status"] not in set(CaseStatus):
            raise ValidationError(_("Unknown status."), fields={"status": _("Unknown status.")})
        stmt = stmt.where(AidCase.status == args["status"])
    if args.get("kind"):
        if args["kind"] not in set(AidKind):
            raise ValidationError(_("Unknown kind."), fields={"kind": _("Unknown kind.")})
        stmt = stmt.where(AidCase.kind == args["kind"])
    if args.get("centre"):
        centre = next(
            (
                c
                for c in db.session.scalars(scoped_centres(current_user))
                if c.code == args["centre"]
            ),
            None,
        )
        if centre is None:
            raise NotFound(_("No such centre in your scope."))
        stmt = stmt.where(in_subtree(centre, AidCase.centre_id))
    if args.get("waiting_for_me", "").lower() in ("1", "true", "yes"):
        ids = [
            queries.queue_stmt(current_user, q).with_only_columns(AidCase.id)
            for q in queries.queues_for(current_user)
        ]
        stmt = stmt.where(or_(*[AidCase.id.in_(i) for i in ids])) if ids else stmt.where(False)
    if args.get("q", "").strip():
        stmt = queries.search(stmt, args["q"])
    page = max(args.get("page", 1, type=int) or 1, 1)
    per_page = min(max(args.get("per_page", 50, type=int) or 50, 1), 100)
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(
        stmt.order_by(AidCase.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return jsonify(
        {
            "items": [case_json(c) for c in rows],
            "page": page,
            "per_page": per_page,
            "total": total or 0,
        }
    )


@api_route(
    "/cases/<int:case_id>",
    tags=TAGS,
    summary="One case with its timeline, objections and collective decision",
)
def get_case(case_id: int):
    require_roles(*READ_ROLES)
    return jsonify(case_json(get_scoped_or_404(AidCase, case_id, current_user), detail=True))


@api_route(
    "/cases/<int:case_id>/actions/<action>",
    methods=["POST"],
    tags=TAGS,
    summary="Submit, approve, recommend, reject, return or withdraw a case",
    request_schema=ACTION_REQUEST,
    responses={
        200: {"description": "the case after the action"},
        409: {
            "description": "not possible now; code collective_decision_required when the "
            "amount is above the city limit and no decision is recorded"
        },
    },
)
def case_action(case_id: int, action: str):
    require_roles(*READ_ROLES)
    if action not in ACTIONS:
        raise NotFound(_("Unknown action."))
    case = get_scoped_or_404(AidCase, case_id, current_user)
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."), fields={})
    comment = _str(body, "comment")
    if action == "submit":
        services.submit_case(case, acting_user=current_user, comment=comment)
    elif action == "approve":
        services.approve_case(
            case,
            acting_user=current_user,
            amount_fen=_money(body, "amount_approved"),
            comment=comment,
        )
    elif action == "recommend":
        services.recommend_case(
            case,
            acting_user=current_user,
            amount_fen=_money(body, "amount_approved"),
            comment=comment,
        )
    elif action == "reject":
        services.reject_case(case, acting_user=current_user, comment=comment)
    elif action == "return":
        services.return_case(case, acting_user=current_user, comment=comment)
    else:
        services.withdraw_case(case, acting_user=current_user, comment=comment)
    _commit()
    return jsonify(case_json(case, detail=True))


@api_route(
    "/cases/<int:case_id>/collective-decision",
    methods=["POST"],
    tags=TAGS,
    summary="Record the collective decision for a case above the city limit (multipart form)",
    responses={
        201: {"description": "the case"},
        409: CONFLICT,
        422: {"description": "missing date, reference or minutes (PDF/JPEG/PNG)"},
    },
)
def record_decision(case_id: int):
    require_roles(Role.SUPERVISOR)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    try:
        meeting_date = date.fromisoformat(request.form.get("meeting_date", ""))
    except ValueError:
        meeting_date = None
    services.record_collective_decision(
        case,
        acting_user=current_user,
        data=services.DecisionInput(
            meeting_date, request.form.get("reference", ""), request.files.get("attachment")
        ),
    )
    _commit()
    return created(case_json(case, detail=True))


@api_route(
    "/cases/<int:case_id>/attachments",
    methods=["POST"],
    tags=TAGS,
    summary="Add a supporting document (multipart/form-data: kind, file); PDF, JPEG or PNG",
    responses={
        201: {"description": "the stored document"},
        403: {"description": "not while the case is in this state, or not for this role"},
        422: {"description": "refused: kind, type by content, size"},
    },
)
def upload_case_attachment(case_id: int):
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    attachment = attachments.add_case_attachment(
        case,
        request.files.get("file"),
        acting_user=current_user,
        kind=request.form.get("kind", AttachmentKind.OTHER),
    )
    db.session.commit()
    return created(as_json(attachment))


@api_route(
    "/cases/<int:case_id>/attachments",
    tags=TAGS,
    summary="The case's documents, the collective-decision minutes among them",
    responses={200: {"description": "{items}"}},
)
def list_case_attachments(case_id: int):
    require_roles(*READ_ROLES)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    return jsonify({"items": [as_json(a) for a in attachments.case_attachments(case)]})


@api_route(
    "/cases/<int:case_id>/objections",
    methods=["POST"],
    tags=TAGS,
    summary="Record an objection during the public notice (holds the case)",
    request_schema=OBJECTION_REQUEST,
    responses={201: {"description": "the case"}, 409: CONFLICT},
)
def add_objection(case_id: int):
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    body = json_body()
    services.record_objection(
        case,
        acting_user=current_user,
        raised_by=_str(body, "raised_by"),
        contact=_str(body, "contact"),
        content=_str(body, "content"),
    )
    _commit()
    return created(case_json(case, detail=True))


@api_route(
    "/cases/<int:case_id>/objections/<int:objection_id>/resolve",
    methods=["POST"],
    tags=TAGS,
    summary="Uphold (back to review) or dismiss an objection, with a reason",
    request_schema=RESOLVE_REQUEST,
    responses={200: {"description": "the case"}, 409: CONFLICT},
)
def resolve_objection(case_id: int, objection_id: int):
    require_roles(Role.SUPERVISOR)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.case_id != case.id:
        raise NotFound(_("No such objection on this case."))
    body = json_body()
    outcome = _str(body, "outcome")
    if outcome not in ("uphold", "dismiss"):
        msg = _("Choose uphold or dismiss.")
        raise ValidationError(msg, fields={"outcome": msg})
    services.resolve_objection(
        objection,
        acting_user=current_user,
        uphold=outcome == "uphold",
        reason=_str(body, "reason"),
    )
    _commit()
    return jsonify(case_json(case, detail=True))


@api_route(
    "/cases/<int:case_id>/approval-form.pdf",
    tags=TAGS,
    summary="Issue the case's aid approval form (帮扶审批表) as a PDF",
    responses={
        200: {
            "description": "the PDF, one signature block per tier that acted; "
            "X-Document-Number names the issued document",
            "content": {"application/pdf": {}},
        }
    },
)
def approval_form_pdf(case_id: int):
    document, pdf = documents.issue("approval_form", case_id, acting_user=current_user)
    db.session.commit()
    return pdf_response(document, pdf)
