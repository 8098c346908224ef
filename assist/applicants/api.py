"""The hardship-file API: register, find, read, correct and move files through the workflow."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assist.api import api_route, created, fields, listing, require_roles
from assist.applicants import queries, services
from assist.applicants.models import (
    Applicant,
    Category,
    Cause,
    FileStatus,
    Health,
    Relation,
    Transfer,
    TransferReason,
    WorkStatus,
)
from assist.attachments import services as attachment_services
from assist.attachments.models import AttachmentKind
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.centres.scoping import get_scoped_or_404, in_scope
from assist.core.crypto import decrypt, keyed_hash
from assist.core.errors import DomainError, ValidationError
from assist.core.masking import mask_id, mask_last4
from assist.documents import services as documents
from assist.documents.views import pdf_response
from assist.extensions import db

TAGS = ["applicants"]
MEMBER_SCHEMA = fields.Schema(
    relation=fields.Choice([r.value for r in Relation], required=True),
    name=fields.Text(50, required=True),
    id_number=fields.Text(40, required=True, description="18-character resident ID"),
    monthly_income=fields.Money(default=0),
    health=fields.Choice([h.value for h in Health], default=Health.GOOD.value),
    is_student=fields.Bool(),
)
CAUSES = fields.ListOf(
    fields.Choice([c.value for c in Cause]),
    max_items=len(Cause),
    description="the main cause first, then any secondary causes",
)
FILE_FIELDS = {
    "name": fields.Text(50),
    "id_number": fields.Text(40, description="18-character resident ID (GB 11643)"),
    "phone": fields.Text(40, description="mobile 1[3-9]xxxxxxxxx or 0512-xxxxxxxx"),
    "address": fields.Text(200),
    "employer": fields.Text(120),
    "work_status": fields.Choice([w.value for w in WorkStatus]),
    "health": fields.Choice([h.value for h in Health]),
    "health_notes": fields.Text(),
    "is_migrant_worker": fields.Bool(),
    "labour_relation_since": fields.Day(),
    "is_union_member": fields.Bool(),
    "is_model_worker": fields.Bool(),
    "bank_name": fields.Text(80),
    "bank_account": fields.Text(40),
    "causes": CAUSES,
    "consent_signed_on": fields.Day(),
    "household": fields.ListOf(MEMBER_SCHEMA, max_items=30, key_format=".{n}.{key}"),
    "annual_income": fields.Money(),
    "rigid_expenses": fields.Money(),
    "hardship_costs": fields.Money(),
    "has_sudden_event": fields.Bool(),
    "exclusions": fields.ListOf(
        fields.Choice([e.value for e in services.RECORDED_EXCLUSIONS]), max_items=10
    ),
}
CREATE_REQUIRED = (
    "name",
    "id_number",
    "phone",
    "address",
    "employer",
    "annual_income",
    "causes",
    "consent_signed_on",
)
CREATE_SCHEMA = fields.Schema(
    centre_code=fields.Centre(description="defaults to the caller's centre"),
    **{
        name: fields.required(field) if name in CREATE_REQUIRED else field
        for name, field in FILE_FIELDS.items()
    },
)
PATCH_SCHEMA = fields.Schema(**FILE_FIELDS)
ACTIONS = [*services.TRANSITIONS, "override", "review", "home_visit", "transfer"]
ACTION_SCHEMA = fields.Schema(
    reason=fields.Text(description="required to return, reject, exit, cancel…"),
    category=fields.Choice(
        [c.value for c in Category if c != Category.NOT_ELIGIBLE],
        description="change_category and override",
    ),
    visited_on=fields.Day(),
    visitors=fields.Text(200),
    findings=fields.Text(),
    to_centre_code=fields.Text(40, description="transfer"),
    transfer_reason=fields.Choice([r.value for r in TransferReason]),
)
DECISION_SCHEMA = fields.Schema(reason=fields.Text())
FILTER_FIELDS = {
    "q": fields.Text(
        60,
        description="partial name, last 4 ID digits, phone or file number. A full resident "
        "ID is refused here (it would sit in URLs and logs): use POST /applicants/search.",
    ),
    "centre_code": fields.Centre(outside_is_404=True),
    "category": fields.Choice([c.value for c in Category]),
    "status": fields.Choice([s.value for s in FileStatus]),
    "cause": fields.Choice([c.value for c in Cause]),
    "migrant": fields.Bool(),
    "woman": fields.Bool(),
    "overdue": fields.Bool(),
    "due": fields.Bool(),
    "never_helped": fields.Bool(),
    "sort": fields.Choice(
        [s for key in queries.SORTS for s in (key, f"-{key}") if s != "-new"], default="new"
    ),
    **listing.page_fields(per_page=queries.PER_PAGE, max_per_page=200),
}
FILTER_PARAMS = fields.Schema(**FILTER_FIELDS)
SEARCH_SCHEMA = fields.Schema(**FILTER_FIELDS)
TRANSFER_PARAMS = fields.Schema(
    direction=fields.Choice(["incoming", "outgoing"], default="incoming")
)
UPLOAD_FORM = fields.Schema(kind=fields.Text(40))


# --- input ---------------------------------------------------------------------------------


def file_input(body, base: services.FileInput | None = None) -> services.FileInput:
    """Build the service input from the parsed JSON, on top of `base` for a PATCH."""
    creating = base is None
    base = base or services.FileInput(annual_income_fen=None)

    def pick(key, current, *, keep_on_null=False):
        if key not in body.sent or (keep_on_null and body[key] is None):
            return current
        return body[key]

    data = services.FileInput(
        name=pick("name", base.name),
        id_number=pick("id_number", base.id_number),
        phone=pick("phone", base.phone),
        address=pick("address", base.address),
        employer=pick("employer", base.employer),
        work_status=pick("work_status", base.work_status),
        health=pick("health", base.health),
        health_notes=pick("health_notes", base.health_notes),
        is_migrant_worker=pick("is_migrant_worker", base.is_migrant_worker),
        labour_relation_since=pick("labour_relation_since", base.labour_relation_since),
        is_union_member=pick("is_union_member", base.is_union_member),
        is_model_worker=pick("is_model_worker", base.is_model_worker),
        bank_name=pick("bank_name", base.bank_name),
        bank_account=pick("bank_account", base.bank_account),
        consent_signed_on=pick("consent_signed_on", base.consent_signed_on),
        annual_income_fen=pick("annual_income", base.annual_income_fen, keep_on_null=True),
        rigid_expenses_fen=pick("rigid_expenses", base.rigid_expenses_fen, keep_on_null=True) or 0,
        hardship_costs_fen=pick("hardship_costs", base.hardship_costs_fen, keep_on_null=True) or 0,
        has_sudden_event=pick("has_sudden_event", base.has_sudden_event),
        exclusions=pick("exclusions", base.exclusions),
        main_cause=base.main_cause,
        secondary_causes=base.secondary_causes,
        members=base.members,
    )
    if "causes" in body.sent or creating:
        causes = body.causes or []
        if not causes:
            message = _("Give at least the main cause of hardship.")
            raise fields.refusal({"causes": message})
        data.main_cause, data.secondary_causes = causes[0], causes[1:]
    if "household" in body.sent:
        data.members = [
            services.MemberInput(
                relation=m.relation,
                name=m.name,
                id_number=m.id_number,
                monthly_income_fen=m.monthly_income or 0,
                health=m.health,
                is_student=m.is_student,
            )
            for m in body.household
        ]
    return data


# --- output --------------------------------------------------------------------------------


_money_out = fields.money_out


def assessment_json(a) -> dict | None:
    if a is None:
        return None
    return {
        "annual_income": _money_out(a.annual_income_fen),
        "rigid_expenses": _money_out(a.rigid_expenses_fen),
        "household_size": a.household_size,
        "per_capita_monthly_income": _money_out(a.per_capita_monthly_fen),
        "standard_monthly": _money_out(a.standard_monthly_fen),
        "standard_region": a.standard.region_code if a.standard else None,
        "standard_effective_from": a.standard.effective_from.isoformat() if a.standard else None,
        "hardship_costs": _money_out(a.hardship_costs_fen),
        "has_sudden_event": a.has_sudden_event,
        "exclusions": list(a.exclusions or []),
        "proposed_category": a.proposed_category,
        "category": a.category,
        "override_reason": a.override_reason or None,
        "assessed_at": a.assessed_at.isoformat(timespec="seconds") + "Z",
    }


def list_item(a: Applicant) -> dict:
    return {
        "id": a.id,
        "file_no": a.file_no,
        "name": a.name,
        "id_number": mask_id(a.id_number),
        "gender": a.gender,
        "centre_code": a.centre.code,
        "status": a.status,
        "category": a.category,
        "is_migrant_worker": a.is_migrant_worker,
        "review_due_on": a.review_due_on.isoformat() if a.review_due_on else None,
    }


def applicant_json(a: Applicant, *, sensitive: bool = False) -> dict:
    latest = a.latest_assessment
    out = list_item(a)
    out.update(
        {
            "centre_name": a.centre.name,
            "birth_date": a.birth_date.isoformat(),
            "phone": a.phone,
            "address": a.address,
            "employer": a.employer,
            "work_status": a.work_status,
            "is_union_member": a.is_union_member,
            "is_model_worker": a.is_model_worker,
            "is_woman_worker": a.is_woman_worker,
            "labour_relation_since": a.labour_relation_since.isoformat()
            if a.labour_relation_since
            else None,
            "bank_name": a.bank_name,
            "bank_account": mask_last4(a.bank_account_last4),
            "causes": [a.main_cause, *(a.secondary_causes or [])],
            "consent_signed_on": a.consent_signed_on.isoformat() if a.consent_signed_on else None,
            "status_reason": a.status_reason or None,
            "activated_on": a.activated_on.isoformat() if a.activated_on else None,
            "last_reviewed_on": a.last_reviewed_on.isoformat() if a.last_reviewed_on else None,
            "household": [
                {
                    "relation": m.relation,
                    "name": m.name,
                    "id_number": m.id_number if sensitive else mask_id(m.id_number),
                    "monthly_income": _money_out(m.monthly_income_fen),
                    "is_student": m.is_student,
                    **({"health": m.health} if sensitive else {}),
                }
                for m in a.members
            ],
            "per_capita_monthly_income": _money_out(latest.per_capita_monthly_fen)
            if latest
            else None,
            "proposed_category": latest.proposed_category if latest else None,
            "assessment": assessment_json(latest),
            "assessment_history": [assessment_json(x) for x in a.assessments[1:]],
            "home_visits": [
                {
                    "visited_on": v.visited_on.isoformat(),
                    "visitors": v.visitors,
                    "findings": v.findings,
                }
                for v in a.visits
            ],
            "timeline": [
                {
                    "action": e.action,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "reason": e.reason or None,
                    "by": e.user.username if e.user else None,
                    "centre_code": e.centre.code,
                    "at": e.at.isoformat(timespec="seconds") + "Z",
                }
                for e in a.events
            ],
            "allowed_actions": services.available_actions(a, current_user),
        }
    )
    if sensitive:
        out["id_number"] = a.id_number
        out["bank_account"] = a.bank_account
        out["health"] = a.health
        out["health_notes"] = decrypt(a.health_notes_enc) or ""
    return out


def _load(applicant_id) -> Applicant:
    return get_scoped_or_404(Applicant, applicant_id, current_user)


# --- endpoints -----------------------------------------------------------------------------

_FILE_RESPONSE = {
    "description": "the file: id, file_no, gender, birth_date, per_capita_monthly_income, "
    "proposed_category, status, … (IDs masked)"
}


@api_route(
    "/applicants",
    methods=["POST"],
    tags=TAGS,
    summary="Register a household (open a hardship file)",
    request_schema=CREATE_SCHEMA,
    responses={
        201: _FILE_RESPONSE,
        409: {"description": "an ID is already held: `held_by` names the centre"},
    },
)
def create_applicant():
    require_roles(Role.CASEWORKER)
    body = CREATE_SCHEMA.body()
    centre = body.centre_code or current_user.centre
    data = file_input(body)
    applicant = services.register_household(data, acting_user=current_user, centre=centre)
    db.session.commit()
    return created(applicant_json(applicant))


def _list(args, id_hash: str = ""):
    query = queries.FileQuery(
        q=args.q,
        id_hash=id_hash,
        centre_id=args.centre_code.id if args.centre_code else None,
        category=args.category,
        status=args.status,
        cause=args.cause,
        migrant=args.migrant,
        woman=args.woman,
        overdue=args.overdue,
        due=args.due,
        never_helped=args.never_helped,
        sort=args.sort,
        per_page=args.per_page,
        after=args.after,
    )
    page = queries.search(current_user, query)  # keyset in the chosen order, id the tiebreak
    return jsonify(
        listing.page_json(
            page.items,
            list_item,
            per_page=page.per_page,
            total=page.total,
            capped=page.is_capped,
            more=page.has_next,
        )
    )


@api_route(
    "/applicants",
    tags=TAGS,
    summary="Find files in your scope (IDs masked)",
    parameters=FILTER_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_applicants():
    require_roles(*services.READ_ROLES)
    args = FILTER_PARAMS.args()
    if queries.is_full_id(args.q):
        message = _("Send a full resident ID with POST /api/v1/applicants/search, not in a URL.")
        raise ValidationError(message, fields={"q": message})
    return _list(args)


@api_route(
    "/applicants/search",
    methods=["POST"],
    tags=TAGS,
    summary="Find files by a full resident ID (head or member) or any filter, sent in the body",
    request_schema=SEARCH_SCHEMA,
    responses=listing.LIST_RESPONSE,
)
def search_applicants():
    require_roles(*services.READ_ROLES)
    args = SEARCH_SCHEMA.body()
    if queries.is_full_id(args.q):
        id_hash = keyed_hash(args.q.replace(" ", "").upper())
        args["q"] = ""
        return _list(args, id_hash)
    return _list(args)


@api_route(
    "/applicants/<int:applicant_id>",
    tags=TAGS,
    summary="One file with its household, assessment (with history), visits and timeline",
    responses={200: _FILE_RESPONSE},
)
def get_applicant(applicant_id: int):
    return listing.detail_response(
        lambda: _load(applicant_id), applicant_json, roles=services.READ_ROLES
    )


@api_route(
    "/applicants/<int:applicant_id>/sensitive",
    methods=["POST"],
    tags=TAGS,
    summary="The file with full IDs, bank account and health details (the view is audited)",
    responses={200: _FILE_RESPONSE},
)
def reveal_applicant(applicant_id: int):
    applicant = _load(applicant_id)
    services.reveal_sensitive(applicant, acting_user=current_user)
    db.session.commit()
    return jsonify(applicant_json(applicant, sensitive=True))


@api_route(
    "/applicants/<int:applicant_id>",
    methods=["PATCH"],
    tags=TAGS,
    summary="Correct a file; income or household changes re-run the assessment",
    request_schema=PATCH_SCHEMA,
    responses={200: _FILE_RESPONSE, 409: {"description": "refused (state, duplicate ID)"}},
)
def patch_applicant(applicant_id: int):
    require_roles(Role.CASEWORKER)
    applicant = _load(applicant_id)
    data = file_input(PATCH_SCHEMA.body(), base=services.input_from(applicant))
    services.update_household(applicant, data, acting_user=current_user)
    db.session.commit()
    return jsonify(applicant_json(applicant))


@api_route(
    "/applicants/<int:applicant_id>/actions/<action>",
    methods=["POST"],
    tags=TAGS,
    summary="A workflow action: " + ", ".join(ACTIONS),
    request_schema=ACTION_SCHEMA,
    responses={
        200: _FILE_RESPONSE,
        409: {"description": "not allowed in the file's state, or a rule refuses it"},
    },
)
def applicant_action(applicant_id: int, action: str):
    applicant = _load(applicant_id)
    body = ACTION_SCHEMA.body()
    reason = body.reason
    if action in services.TRANSITIONS:
        services.transition(
            applicant,
            action,
            acting_user=current_user,
            reason=reason,
            category=body.category or None,
        )
    elif action == "override":
        services.override_category(
            applicant,
            acting_user=current_user,
            category=body.category,
            reason=reason,
        )
    elif action == "review":
        services.record_review(applicant, acting_user=current_user, note=reason)
    elif action == "home_visit":
        services.add_home_visit(
            applicant,
            acting_user=current_user,
            visited_on=body.visited_on,
            visitors=body.visitors,
            findings=body.findings,
        )
    elif action == "transfer":
        code = body.to_centre_code.upper()
        to_centre = db.session.scalars(select(Centre).where(Centre.code == code)).first()
        try:
            services.request_transfer(
                applicant,
                acting_user=current_user,
                to_centre=to_centre,
                reason=body.transfer_reason,
                note=reason,
            )
        except DomainError as err:
            if "to_centre" in err.fields:
                err.fields["to_centre_code"] = err.fields.pop("to_centre")
            if "reason" in err.fields:
                err.fields["transfer_reason"] = err.fields.pop("reason")
            raise
    else:
        abort(404)
    db.session.commit()
    return jsonify(applicant_json(applicant))


@api_route(
    "/applicants/<int:applicant_id>/attachments",
    methods=["POST"],
    tags=TAGS,
    summary="Add a document (multipart/form-data: kind, file); PDF, JPEG or PNG by content",
    form_schema=UPLOAD_FORM,
    files=("file",),
    responses={201: {"description": "the stored document"}, 422: {"description": "refused"}},
)
def upload_attachment(applicant_id: int):
    applicant = _load(applicant_id)
    attachment = attachment_services.store_attachment(
        request.files.get("file"),
        acting_user=current_user,
        owner_type=services.OWNER_TYPE,
        owner=applicant,
        kind=UPLOAD_FORM.form().kind or AttachmentKind.OTHER,
    )
    db.session.commit()
    return created(attachment_services.as_json(attachment))


@api_route(
    "/applicants/<int:applicant_id>/attachments",
    tags=TAGS,
    summary="The file's documents",
    responses={200: {"description": "{items}"}},
)
def list_attachments(applicant_id: int):
    require_roles(*services.READ_ROLES)
    applicant = _load(applicant_id)
    items = attachment_services.attachments_of(services.OWNER_TYPE, applicant.id)
    return jsonify({"items": [attachment_services.as_json(d) for d in items]})


def transfer_json(t: Transfer) -> dict:
    return {
        "id": t.id,
        "file_no": t.applicant.file_no,
        "name": t.applicant.name,
        "id_number": mask_id(t.applicant.id_number),
        "from_centre_code": t.from_centre.code,
        "to_centre_code": t.to_centre.code,
        "reason": t.reason,
        "note": t.note,
        "status": t.status,
        "requested_at": t.requested_at.isoformat(timespec="seconds") + "Z",
        "decided_at": t.decided_at.isoformat(timespec="seconds") + "Z" if t.decided_at else None,
        "decision_note": t.decision_note or None,
    }


@api_route(
    "/transfers",
    tags=TAGS,
    summary="Transfers offered to (direction=incoming) or by (outgoing) your centres",
    parameters=TRANSFER_PARAMS,
    responses={200: {"description": "{items}"}},
)
def list_transfers():
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    column = (
        Transfer.from_centre_id
        if TRANSFER_PARAMS.args().direction == "outgoing"
        else Transfer.to_centre_id
    )
    rows = db.session.scalars(
        select(Transfer)
        .options(
            joinedload(Transfer.applicant),
            joinedload(Transfer.from_centre),
            joinedload(Transfer.to_centre),
        )
        .where(in_scope(current_user, column))
        .order_by(Transfer.id.desc())
        .limit(200)
    ).all()
    return jsonify({"items": [transfer_json(t) for t in rows]})


@api_route(
    "/transfers/<int:transfer_id>/actions/<decision>",
    methods=["POST"],
    tags=TAGS,
    summary="accept or decline (receiving centre), withdraw (sending centre)",
    request_schema=DECISION_SCHEMA,
    responses={200: {"description": "the transfer"}},
)
def transfer_action(transfer_id: int, decision: str):
    if decision not in ("accept", "decline", "withdraw"):
        abort(404)
    side = Transfer.from_centre_id if decision == "withdraw" else Transfer.to_centre_id
    transfer = get_scoped_or_404(Transfer, transfer_id, current_user, side)
    body = DECISION_SCHEMA.body()
    if decision == "accept":
        services.accept_transfer(transfer, acting_user=current_user)
    elif decision == "decline":
        services.decline_transfer(transfer, acting_user=current_user, reason=body.reason)
    else:
        services.withdraw_transfer(transfer, acting_user=current_user)
    db.session.commit()
    return jsonify(transfer_json(transfer))


@api_route(
    "/applicants/<int:applicant_id>/case-file.pdf",
    tags=["applicants"],
    summary="Issue the household's printed case file (困难职工档案) as a PDF",
    responses={
        200: {
            "description": "the PDF; full IDs and bank account only for caseworkers and "
            "supervisors (audited), masked otherwise; X-Document-Number names the issued document",
            "content": {"application/pdf": {}},
        }
    },
)
def case_file_pdf(applicant_id: int):
    document, pdf = documents.issue("case_file", applicant_id, acting_user=current_user)
    db.session.commit()
    return pdf_response(document, pdf)
