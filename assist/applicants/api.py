"""The hardship-file API: register, find, read, correct and move files through the workflow."""

from datetime import date

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assist.api import api_route, created, json_body, require_roles
from assist.applicants import queries, services
from assist.applicants.models import (
    Applicant,
    Category,
    Cause,
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
from assist.core.masking import mask_id
from assist.core.money import MoneyFormatError, fen_to_decimal_str, parse_yuan
from assist.documents import services as documents
from assist.documents.views import pdf_response
from assist.extensions import db

TAGS = ["applicants"]
MONEY = {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "examples": ["36000.00"]}
DATE = {"type": "string", "format": "date"}

MEMBER_SCHEMA = {
    "type": "object",
    "properties": {
        "relation": {"type": "string", "enum": [r.value for r in Relation]},
        "name": {"type": "string", "maxLength": 50},
        "id_number": {"type": "string", "description": "18-character resident ID"},
        "monthly_income": MONEY,
        "health": {"type": "string", "enum": [h.value for h in Health]},
        "is_student": {"type": "boolean"},
    },
    "required": ["relation", "name", "id_number"],
}
FILE_PROPERTIES = {
    "centre_code": {"type": "string", "description": "defaults to the caller's centre"},
    "name": {"type": "string", "maxLength": 50},
    "id_number": {"type": "string", "description": "18-character resident ID (GB 11643)"},
    "phone": {"type": "string", "description": "mobile 1[3-9]xxxxxxxxx or 0512-xxxxxxxx"},
    "address": {"type": "string"},
    "employer": {"type": "string"},
    "work_status": {"type": "string", "enum": [w.value for w in WorkStatus]},
    "health": {"type": "string", "enum": [h.value for h in Health]},
    "health_notes": {"type": "string"},
    "is_migrant_worker": {"type": "boolean"},
    "labour_relation_since": DATE,
    "is_union_member": {"type": "boolean"},
    "is_model_worker": {"type": "boolean"},
    "bank_name": {"type": "string"},
    "bank_account": {"type": "string"},
    "causes": {
        "type": "array",
        "items": {"type": "string", "enum": [c.value for c in Cause]},
        "description": "the main cause first, then any secondary causes",
    },
    "consent_signed_on": DATE,
    "household": {"type": "array", "items": MEMBER_SCHEMA},
    "annual_income": MONEY,
    "rigid_expenses": MONEY,
    "hardship_costs": MONEY,
    "has_sudden_event": {"type": "boolean"},
    "exclusions": {
        "type": "array",
        "items": {"type": "string", "enum": [e.value for e in services.RECORDED_EXCLUSIONS]},
    },
}
CREATE_SCHEMA = {
    "type": "object",
    "properties": FILE_PROPERTIES,
    "required": [
        "name",
        "id_number",
        "phone",
        "address",
        "employer",
        "annual_income",
        "causes",
        "consent_signed_on",
    ],
}
PATCH_SCHEMA = {
    "type": "object",
    "properties": {k: v for k, v in FILE_PROPERTIES.items() if k != "centre_code"},
    "description": "Only the fields sent change; `household`, when sent, replaces the members.",
}
ACTIONS = [*services.TRANSITIONS, "override", "review", "home_visit", "transfer"]
ACTION_SCHEMA = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": "required to return, reject, exit, cancel…"},
        "category": {
            "type": "string",
            "enum": [c.value for c in Category if c != Category.NOT_ELIGIBLE],
            "description": "change_category and override",
        },
        "visited_on": DATE,
        "visitors": {"type": "string"},
        "findings": {"type": "string"},
        "to_centre_code": {"type": "string", "description": "transfer"},
        "transfer_reason": {"type": "string", "enum": [r.value for r in TransferReason]},
    },
}
FILTER_PARAMS = [
    {
        "name": "q",
        "in": "query",
        "schema": {"type": "string"},
        "description": "partial name, last 4 ID digits, phone or file number. A full resident "
        "ID is refused here (it would sit in URLs and logs): use POST /applicants/search.",
    },
    {"name": "centre_code", "in": "query", "schema": {"type": "string"}},
    {"name": "category", "in": "query", "schema": {"type": "string"}},
    {"name": "status", "in": "query", "schema": {"type": "string"}},
    {"name": "migrant", "in": "query", "schema": {"type": "boolean"}},
    {"name": "woman", "in": "query", "schema": {"type": "boolean"}},
    {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
    {"name": "due", "in": "query", "schema": {"type": "boolean"}},
    {"name": "never_helped", "in": "query", "schema": {"type": "boolean"}},
    {
        "name": "sort",
        "in": "query",
        "schema": {
            "type": "string",
            "enum": ["new", "file_no", "-file_no", "name", "-name", "review_due", "-review_due"],
        },
    },
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "maximum": 200}},
]


# --- input ---------------------------------------------------------------------------------


def _text(body: dict, key: str, errors: dict, default: str = "") -> str:
    value = body.get(key, default)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[key] = _("Send text.")
        return ""
    return value


def _bool(body: dict, key: str, errors: dict, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        errors[key] = _("Send true or false.")
        return default
    return value


def _money(body: dict, key: str, errors: dict, default: int | None) -> int | None:
    if key not in body or body[key] in (None, ""):
        return default
    try:
        return parse_yuan(body[key])
    except MoneyFormatError as exc:
        errors[key] = str(exc)
        return default


def _date(body: dict, key: str, errors: dict, default: date | None) -> date | None:
    if key not in body or body[key] in (None, ""):
        return None if key in body else default
    try:
        return date.fromisoformat(str(body[key]))
    except ValueError:
        errors[key] = _("Send a date as YYYY-MM-DD.")
        return default


def _codes(body: dict, key: str, errors: dict, default: list) -> list:
    value = body.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[key] = _("Send a list of codes.")
        return default
    return value


def file_input(body: dict, base: services.FileInput | None = None) -> services.FileInput:
    """Build the service input from JSON, on top of `base` for a PATCH; 422 on bad types."""
    base = base or services.FileInput(annual_income_fen=None)
    errors: dict[str, str] = {}
    data = services.FileInput(
        name=_text(body, "name", errors, base.name),
        id_number=_text(body, "id_number", errors, base.id_number),
        phone=_text(body, "phone", errors, base.phone),
        address=_text(body, "address", errors, base.address),
        employer=_text(body, "employer", errors, base.employer),
        work_status=_text(body, "work_status", errors, base.work_status),
        health=_text(body, "health", errors, base.health),
        health_notes=_text(body, "health_notes", errors, base.health_notes),
        is_migrant_worker=_bool(body, "is_migrant_worker", errors, base.is_migrant_worker),
        labour_relation_since=_date(
            body, "labour_relation_since", errors, base.labour_relation_since
        ),
        is_union_member=_bool(body, "is_union_member", errors, base.is_union_member),
        is_model_worker=_bool(body, "is_model_worker", errors, base.is_model_worker),
        bank_name=_text(body, "bank_name", errors, base.bank_name),
        bank_account=_text(body, "bank_account", errors, base.bank_account),
        consent_signed_on=_date(body, "consent_signed_on", errors, base.consent_signed_on),
        annual_income_fen=_money(body, "annual_income", errors, base.annual_income_fen),
        rigid_expenses_fen=_money(body, "rigid_expenses", errors, base.rigid_expenses_fen) or 0,
        hardship_costs_fen=_money(body, "hardship_costs", errors, base.hardship_costs_fen) or 0,
        has_sudden_event=_bool(body, "has_sudden_event", errors, base.has_sudden_event),
        exclusions=_codes(body, "exclusions", errors, base.exclusions),
        main_cause=base.main_cause,
        secondary_causes=base.secondary_causes,
        members=base.members,
    )
    if "causes" in body:
        causes = _codes(body, "causes", errors, [])
        if not causes and "causes" not in errors:
            errors["causes"] = _("Give at least the main cause of hardship.")
        elif causes:
            data.main_cause, data.secondary_causes = causes[0], causes[1:]
    elif base.annual_income_fen is None:  # creating
        errors["causes"] = _("Give at least the main cause of hardship.")
    if "household" in body:
        household = body["household"]
        if not isinstance(household, list) or not all(isinstance(m, dict) for m in household):
            errors["household"] = _("Send the household as a list of members.")
        else:
            data.members = []
            for i, m in enumerate(household):
                member_errors: dict[str, str] = {}
                data.members.append(
                    services.MemberInput(
                        relation=_text(m, "relation", member_errors),
                        name=_text(m, "name", member_errors),
                        id_number=_text(m, "id_number", member_errors),
                        monthly_income_fen=_money(m, "monthly_income", member_errors, 0) or 0,
                        health=_text(m, "health", member_errors, Health.GOOD),
                        is_student=_bool(m, "is_student", member_errors, False),
                    )
                )
                for key, message in member_errors.items():
                    errors[services.member_field(i, key)] = message
    if errors:
        raise ValidationError(
            _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
            fields=errors,
        )
    return data


# --- output --------------------------------------------------------------------------------


def _money_out(fen: int | None) -> str | None:
    return fen_to_decimal_str(fen) if fen is not None else None


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
            "bank_account": ("**** **** " + a.bank_account_last4) if a.bank_account_last4 else "",
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
    body = json_body()
    code = body.get("centre_code")
    if code:
        centre = db.session.scalars(select(Centre).where(Centre.code == str(code))).first()
        if centre is None or not centre.is_within(current_user.centre):
            message = _("Choose a centre within your scope.")
            raise ValidationError(message, fields={"centre_code": message})
    else:
        centre = current_user.centre
    data = file_input(body)
    applicant = services.register_household(data, acting_user=current_user, centre=centre)
    db.session.commit()
    return created(applicant_json(applicant))


def _list(args):
    query = queries.FileQuery.from_args(args)
    code = args.get("centre_code")
    if code:
        centre = db.session.scalars(select(Centre).where(Centre.code == str(code))).first()
        query.centre_id = centre.id if centre else -1
    page = queries.search(current_user, query)
    return jsonify(
        {
            "items": [list_item(a) for a in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "total_is_capped": page.is_capped,
        }
    )


@api_route(
    "/applicants",
    tags=TAGS,
    summary="Find files in your scope (IDs masked)",
    parameters=FILTER_PARAMS,
    responses={200: {"description": "{items, page, per_page, total, total_is_capped}"}},
)
def list_applicants():
    require_roles(*services.READ_ROLES)
    if queries.is_full_id(request.args.get("q", "")):
        message = _("Send a full resident ID with POST /api/v1/applicants/search, not in a URL.")
        raise ValidationError(message, fields={"q": message})
    return _list(request.args)


@api_route(
    "/applicants/search",
    methods=["POST"],
    tags=TAGS,
    summary="Find files by a full resident ID (head or member) or any filter, sent in the body",
    request_schema={
        "type": "object",
        "properties": {p["name"]: p["schema"] for p in FILTER_PARAMS},
    },
    responses={200: {"description": "{items, page, per_page, total, total_is_capped}"}},
)
def search_applicants():
    require_roles(*services.READ_ROLES)
    body = json_body()
    args = {k: v for k, v in body.items() if v is not None}
    q = str(args.get("q") or "")
    if queries.is_full_id(q):
        args["idh"], args["q"] = keyed_hash(q.replace(" ", "").upper()), ""
    return _list(args)


@api_route(
    "/applicants/<int:applicant_id>",
    tags=TAGS,
    summary="One file with its household, assessment (with history), visits and timeline",
    responses={200: _FILE_RESPONSE},
)
def get_applicant(applicant_id: int):
    require_roles(*services.READ_ROLES)
    return jsonify(applicant_json(_load(applicant_id)))


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
    data = file_input(json_body(), base=services.input_from(applicant))
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
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        body = {}
    reason = str(body.get("reason") or "")
    if action in services.TRANSITIONS:
        services.transition(
            applicant,
            action,
            acting_user=current_user,
            reason=reason,
            category=body.get("category"),
        )
    elif action == "override":
        services.override_category(
            applicant,
            acting_user=current_user,
            category=str(body.get("category") or ""),
            reason=reason,
        )
    elif action == "review":
        services.record_review(applicant, acting_user=current_user, note=reason)
    elif action == "home_visit":
        errors: dict[str, str] = {}
        visited_on = _date(body, "visited_on", errors, None)
        if errors:
            raise ValidationError(_("Send a date as YYYY-MM-DD."), fields=errors)
        services.add_home_visit(
            applicant,
            acting_user=current_user,
            visited_on=visited_on,
            visitors=str(body.get("visitors") or ""),
            findings=str(body.get("findings") or ""),
        )
    elif action == "transfer":
        code = str(body.get("to_centre_code") or "")
        to_centre = db.session.scalars(select(Centre).where(Centre.code == code)).first()
        try:
            services.request_transfer(
                applicant,
                acting_user=current_user,
                to_centre=to_centre,
                reason=str(body.get("transfer_reason") or ""),
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
    responses={201: {"description": "the stored document"}, 422: {"description": "refused"}},
)
def upload_attachment(applicant_id: int):
    applicant = _load(applicant_id)
    attachment = attachment_services.store_attachment(
        request.files.get("file"),
        acting_user=current_user,
        owner_type=services.OWNER_TYPE,
        owner=applicant,
        kind=request.form.get("kind", AttachmentKind.OTHER),
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
    parameters=[
        {
            "name": "direction",
            "in": "query",
            "schema": {"type": "string", "enum": ["incoming", "outgoing"]},
        }
    ],
    responses={200: {"description": "{items}"}},
)
def list_transfers():
    require_roles(Role.CASEWORKER, Role.SUPERVISOR)
    column = (
        Transfer.from_centre_id
        if request.args.get("direction") == "outgoing"
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
    request_schema={"type": "object", "properties": {"reason": {"type": "string"}}},
    responses={200: {"description": "the transfer"}},
)
def transfer_action(transfer_id: int, decision: str):
    if decision not in ("accept", "decline", "withdraw"):
        abort(404)
    side = Transfer.from_centre_id if decision == "withdraw" else Transfer.to_centre_id
    transfer = get_scoped_or_404(Transfer, transfer_id, current_user, side)
    body = request.get_json(silent=True) or {}
    if decision == "accept":
        services.accept_transfer(transfer, acting_user=current_user)
    elif decision == "decline":
        services.decline_transfer(
            transfer, acting_user=current_user, reason=str(body.get("reason") or "")
        )
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
