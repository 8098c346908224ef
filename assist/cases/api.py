"""The aid case endpoints of the JSON API (/api/v1/cases…)."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from assist.api import api_route, created, fields, listing, require_roles
from assist.api.core import iso
from assist.applicants.models import Applicant
from assist.attachments.models import AttachmentKind
from assist.attachments.services import as_json
from assist.auth.models import Role
from assist.cases import attachments, queries, services
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus, Objection
from assist.centres.scoping import get_scoped_or_404, in_subtree, scoped
from assist.core.errors import DomainError, NotFound, ValidationError
from assist.core.masking import mask_id
from assist.documents import services as documents
from assist.documents.views import pdf_response
from assist.extensions import db

TAGS = ["cases"]
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
ACTIONS = ("submit", "approve", "recommend", "reject", "return", "withdraw")

CASE_REQUEST = fields.Schema(
    applicant_id=fields.Id(description="The hardship file; optional only for temporary relief"),
    kind=fields.Choice([k.value for k in AidKind], required=True),
    amount_requested=fields.Money(),
    reason=fields.Text(required=True),
    service=fields.Text(description="legal and job aid: the service needed"),
    self_paid=fields.Money(description="medical aid: the self-paid part of the costs"),
    school_level=fields.Choice(["university", "high_school"]),
    occasion=fields.Choice(["spring_festival", "mid_autumn", "other"]),
    person_name=fields.Text(50, description="temporary relief / student"),
    person_id=fields.Text(40, description="18-character resident ID"),
    person_address=fields.Text(200, description="temporary relief"),
)

ACTION_REQUEST = fields.Schema(
    comment=fields.Text(description="required for reject, return, withdraw and recommend"),
    amount_approved=fields.Money(description="approve / recommend; default: requested"),
)

OBJECTION_REQUEST = fields.Schema(
    raised_by=fields.Text(100, required=True),
    contact=fields.Text(100),
    content=fields.Text(required=True),
)

RESOLVE_REQUEST = fields.Schema(
    outcome=fields.Choice(["uphold", "dismiss"], required=True),
    reason=fields.Text(required=True),
)

LIST_PARAMS = fields.Schema(
    status=fields.Choice([s.value for s in CaseStatus]),
    kind=fields.Choice([k.value for k in AidKind]),
    centre=fields.Centre(outside_is_404=True),
    waiting_for_me=fields.Bool(description="only the cases in the caller's work queues"),
    q=fields.Text(100),
    **listing.page_fields(),
)

DECISION_FORM = fields.Schema(meeting_date=fields.Day(), reference=fields.Text(100))
UPLOAD_FORM = fields.Schema(kind=fields.Text(40))

CONFLICT = {"description": "Not possible in the case's state, or refused by a rule"}
_money_out = fields.money_out


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
    body = CASE_REQUEST.body()
    applicant = None
    if body.applicant_id is not None:
        applicant = db.session.scalars(
            scoped(
                select(Applicant).where(Applicant.id == body.applicant_id),
                current_user,
                Applicant.centre_id,
            )
        ).first()
        if applicant is None:
            msg = _("No such file in your scope.")
            raise ValidationError(msg, fields={"applicant_id": msg})
    data = services.CaseInput(
        kind=body.kind,
        reason=body.reason,
        amount_requested_fen=body.amount_requested,
        service=body.service,
        applicant=applicant,
        person_name=body.person_name,
        person_id=body.person_id,
        person_address=body.person_address,
        school_level=body.school_level,
        occasion=body.occasion,
        self_paid_fen=body.self_paid,
    )
    case = services.create_case(acting_user=current_user, data=data)
    db.session.commit()
    return created(case_json(case, detail=True))


@api_route(
    "/cases",
    tags=TAGS,
    summary="List cases in scope (filters: status, kind, centre, waiting_for_me, q)",
    parameters=LIST_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_cases():
    require_roles(*READ_ROLES)
    args = LIST_PARAMS.args()
    stmt = queries.visible_cases(current_user)
    if args.status:
        stmt = stmt.where(AidCase.status == args.status)
    if args.kind:
        stmt = stmt.where(AidCase.kind == args.kind)
    if args.centre is not None:
        stmt = stmt.where(in_subtree(args.centre, AidCase.centre_id))
    if args.waiting_for_me:
        ids = [
            queries.queue_stmt(current_user, q).with_only_columns(AidCase.id)
            for q in queries.queues_for(current_user)
        ]
        stmt = stmt.where(or_(*[AidCase.id.in_(i) for i in ids])) if ids else stmt.where(False)
    if args.q:
        stmt = queries.search(stmt, args.q)
    return listing.list_response(stmt, case_json, key=AidCase.id, args=args)


@api_route(
    "/cases/<int:case_id>",
    tags=TAGS,
    summary="One case with its timeline, objections and collective decision",
)
def get_case(case_id: int):
    return listing.detail_response(
        lambda: get_scoped_or_404(AidCase, case_id, current_user),
        lambda case: case_json(case, detail=True),
        roles=READ_ROLES,
    )


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
    body = ACTION_REQUEST.body()
    comment = body.comment
    if action == "submit":
        services.submit_case(case, acting_user=current_user, comment=comment)
    elif action == "approve":
        services.approve_case(
            case,
            acting_user=current_user,
            amount_fen=body.amount_approved,
            comment=comment,
        )
    elif action == "recommend":
        services.recommend_case(
            case,
            acting_user=current_user,
            amount_fen=body.amount_approved,
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
    form_schema=DECISION_FORM,
    files=("attachment",),
    responses={
        201: {"description": "the case"},
        409: CONFLICT,
        422: {"description": "missing date, reference or minutes (PDF/JPEG/PNG)"},
    },
)
def record_decision(case_id: int):
    require_roles(Role.SUPERVISOR)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    form = DECISION_FORM.form()
    services.record_collective_decision(
        case,
        acting_user=current_user,
        data=services.DecisionInput(
            form.meeting_date, form.reference, request.files.get("attachment")
        ),
    )
    _commit()
    return created(case_json(case, detail=True))


@api_route(
    "/cases/<int:case_id>/attachments",
    methods=["POST"],
    tags=TAGS,
    summary="Add a supporting document (multipart/form-data: kind, file); PDF, JPEG or PNG",
    form_schema=UPLOAD_FORM,
    files=("file",),
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
        kind=UPLOAD_FORM.form().kind or AttachmentKind.OTHER,
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
    body = OBJECTION_REQUEST.body()
    services.record_objection(
        case,
        acting_user=current_user,
        raised_by=body.raised_by,
        contact=body.contact,
        content=body.content,
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
    body = RESOLVE_REQUEST.body()
    services.resolve_objection(
        objection,
        acting_user=current_user,
        uphold=body.outcome == "uphold",
        reason=body.reason,
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
