"""The mutual-aid endpoints of the JSON API (/api/v1/mutual-aid/…).

A claim's approval runs through its aid case; its payment through the existing
`POST /cases/{case_id}/payments` endpoint (bank transfer from a mutual-aid fund only).
"""

from datetime import date

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from assist.api import api_route, created, json_body, require_roles
from assist.api.core import iso
from assist.attachments.services import as_json
from assist.auth.models import Role
from assist.cases import services as case_services
from assist.cases.attachments import case_attachments
from assist.centres.models import Centre
from assist.core.errors import NotFound, ValidationError
from assist.core.masking import mask_account, mask_id
from assist.core.money import fen_to_decimal_str
from assist.core.scoping import get_scoped_or_404, scoped
from assist.extensions import db
from assist.funds import queries as fund_queries
from assist.funds.api import _amount, _date, _str
from assist.mutual_aid import coverage, services
from assist.mutual_aid.models import Claim, Enrolment, EnrolmentBatch, Plan, PlanTerm, Unit

TAGS = ["mutual-aid"]
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
ACTIONS = ("submit", "recommend", "approve", "reject", "return")
MONEY = {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "examples": ["80.00"]}
DATE = {"type": "string", "format": "date"}

TERM_SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "examples": ["2027"]},
        "cover_start": DATE,
        "cover_end": DATE,
        "window_opens": DATE,
        "window_closes": DATE,
        "fee": MONEY,
        "subsidy": MONEY,
        "min_age": {"type": "integer"},
        "max_age": {"type": "integer"},
        "sex": {"type": "string", "enum": ["", "F", "M"]},
        "participation_pct": {"type": "integer", "minimum": 1, "maximum": 100},
        "small_unit_max": {"type": "integer", "minimum": 0},
        "rules": {"type": "object", "description": "benefit rules by plan kind, amounts in 分"},
        "required_documents": {
            "type": "object",
            "description": "event → attachment kinds a claim needs",
        },
    },
    "required": ["label", "cover_start", "cover_end", "window_opens", "window_closes", "fee"],
}
PLAN_REQUEST = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["hospital", "critical_illness", "accident", "women"]},
        "base_plan_id": {"type": ["integer", "null"]},
        "description": {"type": "string"},
        "term": TERM_SCHEMA,
    },
    "required": ["code", "name", "kind"],
}
UNIT_REQUEST = {
    "type": "object",
    "properties": {
        "centre_code": {"type": "string"},
        "name": {"type": "string"},
        "uscc": {"type": "string", "description": "统一社会信用代码, 18 characters"},
        "staff_count": {"type": "integer", "minimum": 1},
        "union_members": {"type": "integer", "minimum": 0},
        "contact_name": {"type": "string"},
        "contact_phone": {"type": "string"},
        "address": {"type": "string"},
    },
    "required": ["centre_code", "name", "uscc", "staff_count", "union_members"],
}
LOOKUP_REQUEST = {
    "type": "object",
    "properties": {"id_number": {"type": "string"}, "certificate_no": {"type": "string"}},
}
CLAIM_REQUEST = {
    "type": "object",
    "properties": {
        "enrolment_id": {"type": "integer"},
        "event": {"type": "string", "enum": ["hospital", "critical_illness", "accident"]},
        "event_date": {**DATE, "description": "admission, first diagnosis or accident"},
        "discharge_date": DATE,
        "hospital": {"type": "string"},
        "diagnosis": {"type": "string"},
        "illness_code": {"type": "string"},
        "outcome": {"type": "string", "enum": ["death", "disability"]},
        "disability_grade": {"type": "integer", "minimum": 1, "maximum": 10},
        "bank_name": {"type": "string"},
        "bank_account": {"type": "string", "description": "the member's own card"},
    },
    "required": ["enrolment_id", "event", "event_date", "diagnosis", "bank_name", "bank_account"],
}
ACTION_REQUEST = {
    "type": "object",
    "properties": {"comment": {"type": "string"}, "amount_approved": MONEY},
}
FEE_REQUEST = {
    "type": "object",
    "properties": {
        "fund_id": {"type": "integer", "description": "the mutual-aid fund (互助金)"},
        "subsidy_fund_id": {"type": "integer", "description": "the union fund paying the subsidy"},
        "reference": {"type": "string", "description": "the unit's payment reference"},
    },
    "required": ["fund_id", "reference"],
}
RENEWAL_REQUEST = {
    "type": "object",
    "properties": {
        "unit_id": {"type": "integer"},
        "from_term_id": {"type": "integer"},
        "to_term_id": {"type": "integer"},
        "dry_run": {"type": "boolean"},
        "skip_bad": {"type": "boolean"},
    },
    "required": ["unit_id", "from_term_id", "to_term_id"],
}


def money(fen: int | None) -> str | None:
    return None if fen is None else fen_to_decimal_str(fen)


def _int(value, key: str, *, required: bool = True) -> int | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(_("Send a whole number."), fields={key: _("Send a whole number.")})
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(
            _("Send a whole number."), fields={key: _("Send a whole number.")}
        ) from None
    if not -(2**31) < number < 2**31:
        raise ValidationError(_("Out of range."), fields={key: _("Out of range.")})
    return number


def _flag(value, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", ""):
        return value.lower() in ("true", "1")
    raise ValidationError(_("Send true or false."), fields={key: _("Send true or false.")})


def term_json(term: PlanTerm) -> dict:
    return {
        "id": term.id,
        "label": term.label,
        "cover_start": term.cover_start.isoformat(),
        "cover_end": term.cover_end.isoformat(),
        "window_opens": term.window_opens.isoformat(),
        "window_closes": term.window_closes.isoformat(),
        "min_age": term.min_age,
        "max_age": term.max_age,
        "sex": term.sex,
        "fee": money(term.fee_fen),
        "subsidy": money(term.subsidy_fen),
        "staff_share": money(term.staff_share_fen),
        "participation_pct": term.participation_pct,
        "small_unit_max": term.small_unit_max,
        "rules": term.rules,
        "required_documents": term.required_documents,
    }


def plan_json(plan: Plan) -> dict:
    return {
        "id": plan.id,
        "code": plan.code,
        "name": plan.name,
        "kind": plan.kind,
        "base_plan_id": plan.base_plan_id,
        "description": plan.description,
        "terms": [term_json(t) for t in plan.terms],
    }


def unit_json(unit: Unit) -> dict:
    return {
        "id": unit.id,
        "centre": unit.centre.code,
        "name": unit.name,
        "uscc": unit.uscc,
        "staff_count": unit.staff_count,
        "union_members": unit.union_members,
        "contact_name": unit.contact_name,
        "contact_phone": unit.contact_phone,
        "address": unit.address,
    }


def batch_json(batch: EnrolmentBatch) -> dict:
    return {
        "id": batch.id,
        "batch_no": batch.batch_no,
        "unit_id": batch.unit_id,
        "term_id": batch.term_id,
        "kind": batch.kind,
        "file_name": batch.file_name,
        "rows_total": batch.rows_total,
        "rows_enrolled": batch.rows_enrolled,
        "rows_skipped": batch.rows_skipped,
        "fee_due": {
            "staff_share": money(batch.staff_share_fen),
            "subsidy": money(batch.subsidy_fen),
            "total": money(batch.fee_total_fen),
        },
        "fee_received_at": iso(batch.fee_received_at),
        "fee_reference": batch.fee_reference,
        "created_at": iso(batch.created_at),
        "rows": batch.row_results,
    }


def enrolment_json(e: Enrolment) -> dict:
    served, ends = services.waiting_status(e)
    return {
        "id": e.id,
        "certificate_no": e.certificate_no,
        "name": e.name,
        "id_number": mask_id(None, e.id_last4),
        "plan": e.term.plan.code,
        "plan_name": e.term.plan.name,
        "term": e.term.label,
        "unit": e.unit.name,
        "cover_start": e.cover_start.isoformat(),
        "cover_end": e.cover_end.isoformat(),
        "continuous_since": e.continuous_since.isoformat(),
        "waiting_period_served": served,
        "waiting_period_ends": ends.isoformat(),
        "hardship_file": e.applicant_id is not None,
        "used_this_term": money(services.used_this_term(e)),
    }


def claim_json(claim: Claim, *, detail: bool = False) -> dict:
    case = claim.case
    out = {
        "id": claim.id,
        "claim_no": claim.claim_no,
        "status": claim.status,
        "event": claim.event,
        "event_date": claim.event_date.isoformat(),
        "member": {
            "name": claim.enrolment.name,
            "id_number": mask_id(None, claim.enrolment.id_last4),
            "certificate_no": claim.enrolment.certificate_no,
        },
        "benefit": money(claim.benefit_fen),
        "working": claim.working,
        "refusal_code": claim.refusal_code or None,
        "bank_name": claim.bank_name,
        "bank_account": mask_account(claim.bank_account_last4),
        "case": (
            {
                "id": case.id,
                "case_no": case.case_no,
                "status": case.status,
                "approval_centre": case.approval_centre.code if case.approval_centre else None,
                "amount_approved": money(case.amount_approved_fen),
                "paid": money(case.paid_fen),
            }
            if case
            else None
        ),
        "documents_complete_at": iso(claim.documents_complete_at),
        "created_at": iso(claim.created_at),
    }
    if detail:
        out["missing_documents"] = services.missing_documents(claim)
        out["attachments"] = [as_json(a) for a in case_attachments(case)] if case else []
    return out


# ------------------------------------------------------------------------------- plans


def _term_input(body) -> services.TermInput:
    if not isinstance(body, dict):
        raise ValidationError(_("Send the term as an object."), fields={"term": _("Required.")})

    rules = body.get("rules")
    docs = body.get("required_documents")
    if docs is not None and not (
        isinstance(docs, dict)
        and all(isinstance(v, list) and all(isinstance(k, str) for k in v) for v in docs.values())
    ):
        raise ValidationError(
            _("List the document kinds per event."), fields={"required_documents": _("Invalid.")}
        )
    return services.TermInput(
        label=_str(body, "label"),
        cover_start=_date(body, "cover_start"),
        cover_end=_date(body, "cover_end"),
        window_opens=_date(body, "window_opens"),
        window_closes=_date(body, "window_closes"),
        fee_fen=_amount(body, "fee"),
        subsidy_fen=_amount(body, "subsidy", required=False) or 0,
        min_age=_int(body.get("min_age", 16), "min_age"),
        max_age=_int(body.get("max_age", 65), "max_age"),
        sex=_str(body, "sex"),
        participation_pct=_int(body.get("participation_pct", 60), "participation_pct"),
        small_unit_max=_int(body.get("small_unit_max", 10), "small_unit_max"),
        rules=rules if isinstance(rules, dict) else {},
        required_documents=docs,
    )


@api_route("/mutual-aid/plans", tags=TAGS, summary="The mutual-aid plans and their terms")
def list_plans():
    require_roles(*READERS)
    plans = db.session.scalars(select(Plan).order_by(Plan.code)).all()
    return jsonify({"items": [plan_json(p) for p in plans]})


@api_route(
    "/mutual-aid/plans",
    methods=["POST"],
    tags=TAGS,
    summary="Add a plan, with its first term (city administrators)",
    request_schema=PLAN_REQUEST,
    responses={201: {"description": "the plan"}},
)
def create_plan():
    body = json_body()
    base = None
    if body.get("base_plan_id") not in (None, ""):
        base = db.session.get(Plan, _int(body["base_plan_id"], "base_plan_id"))
        if base is None:
            raise ValidationError(_("No such plan."), fields={"base_plan_id": _("No such plan.")})
    services.check_manage_plans(current_user)
    term = _term_input(body["term"]) if "term" in body else None
    plan = services.create_plan(
        acting_user=current_user,
        code=_str(body, "code"),
        name=_str(body, "name"),
        kind=_str(body, "kind"),
        base_plan=base,
        description=_str(body, "description"),
    )
    if term is not None:
        services.add_term(plan, acting_user=current_user, data=term)
    db.session.commit()
    return created(plan_json(plan))


@api_route(
    "/mutual-aid/plans/<int:plan_id>/terms",
    methods=["POST"],
    tags=TAGS,
    summary="Add the next dated term to a plan (terms never change once added)",
    request_schema=TERM_SCHEMA,
    responses={201: {"description": "the plan"}},
)
def add_term(plan_id: int):
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(_("No such plan."))
    services.add_term(plan, acting_user=current_user, data=_term_input(json_body()))
    db.session.commit()
    return created(plan_json(plan))


# ------------------------------------------------------------------------------- units


@api_route(
    "/mutual-aid/units",
    tags=TAGS,
    summary="Workplace units in scope",
    parameters=[{"name": "after", "in": "query", "schema": {"type": "integer"}}],
    responses={200: {"description": "{items, next_after}: keyset pages of 100"}},
)
def list_units():
    require_roles(*READERS)
    after = _int(request.args.get("after"), "after", required=False) or 0
    rows = db.session.scalars(
        scoped(select(Unit).where(Unit.id > after), current_user, Unit.centre_id)
        .order_by(Unit.id)
        .limit(100)
    ).all()
    return jsonify(
        {
            "items": [unit_json(u) for u in rows],
            "next_after": rows[-1].id if len(rows) == 100 else None,
        }
    )


@api_route(
    "/mutual-aid/units",
    methods=["POST"],
    tags=TAGS,
    summary="Register a workplace union under a centre in scope",
    request_schema=UNIT_REQUEST,
    responses={201: {"description": "the unit"}},
)
def create_unit():
    body = json_body()
    code = _str(body, "centre_code")
    centre = db.session.scalars(select(Centre).where(Centre.code == code)).first()
    if centre is None or not centre.is_within(current_user.centre):
        raise ValidationError(
            _("No such centre in your scope."), fields={"centre_code": _("Unknown centre.")}
        )
    unit = services.create_unit(
        acting_user=current_user,
        centre=centre,
        data=services.UnitInput(
            name=_str(body, "name"),
            uscc=_str(body, "uscc"),
            staff_count=_int(body.get("staff_count"), "staff_count"),
            union_members=_int(body.get("union_members"), "union_members"),
            contact_name=_str(body, "contact_name"),
            contact_phone=_str(body, "contact_phone"),
            address=_str(body, "address"),
        ),
    )
    db.session.commit()
    return created(unit_json(unit))


# ------------------------------------------------------------------------------- enrolments


def _term(term_id) -> PlanTerm:
    term = db.session.get(PlanTerm, _int(term_id, "term_id"))
    if term is None:
        raise ValidationError(_("No such plan term."), fields={"term_id": _("No such plan term.")})
    return term


def _unit(unit_id) -> Unit:
    return get_scoped_or_404(Unit, _int(unit_id, "unit_id"), current_user)


@api_route(
    "/mutual-aid/enrolments",
    methods=["POST"],
    tags=TAGS,
    summary="Upload a unit's roster (multipart: unit_id, term_id, file, dry_run, skip_bad)",
    responses={
        200: {"description": "dry run: every row's problems by row number; nothing changed"},
        201: {"description": "enrolled: the batch with its row results and fee due"},
        409: {"description": "unit rule failed (participation, window) or bad rows not skipped"},
        422: {"description": "unreadable file, missing fields"},
    },
)
def upload_roster():
    form = request.form
    unit = _unit(form.get("unit_id"))
    term = _term(form.get("term_id"))
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("Choose the roster file."), fields={"file": _("Required.")})
    data = upload.read()
    dry = _flag(form.get("dry_run", "true"), "dry_run")
    if dry:
        report = services.dry_run(
            unit, term, acting_user=current_user, filename=upload.filename or "", data=data
        )
        db.session.rollback()
        return jsonify(report.as_dict())
    batch = services.enrol_file(
        unit,
        term,
        acting_user=current_user,
        filename=upload.filename or "",
        data=data,
        skip_bad=_flag(form.get("skip_bad", "false"), "skip_bad"),
    )
    db.session.commit()
    return created(batch_json(batch))


@api_route("/mutual-aid/enrolments/<int:batch_id>", tags=TAGS, summary="A batch and its rows")
def get_batch(batch_id: int):
    require_roles(*READERS)
    return jsonify(batch_json(get_scoped_or_404(EnrolmentBatch, batch_id, current_user)))


@api_route(
    "/mutual-aid/enrolments/<int:batch_id>/fee",
    methods=["POST"],
    tags=TAGS,
    summary="Receive the unit's fee into a mutual-aid fund; the subsidy from a union fund",
    request_schema=FEE_REQUEST,
    responses={201: {"description": "the batch"}, 409: {"description": "already received"}},
)
def receive_fee(batch_id: int):
    require_roles(Role.FINANCE)
    batch = get_scoped_or_404(EnrolmentBatch, batch_id, current_user)
    body = json_body()
    fund = fund_queries.get_fund(current_user, body.get("fund_id"))
    if fund is None:
        raise ValidationError(_("No such fund in your scope."), fields={"fund_id": _("Unknown.")})
    subsidy_fund = None
    if body.get("subsidy_fund_id") not in (None, ""):
        subsidy_fund = fund_queries.get_fund(current_user, body.get("subsidy_fund_id"))
        if subsidy_fund is None:
            raise ValidationError(
                _("No such fund in your scope."), fields={"subsidy_fund_id": _("Unknown.")}
            )
    services.receive_fee(
        batch,
        acting_user=current_user,
        fund=fund,
        reference=_str(body, "reference"),
        subsidy_fund=subsidy_fund,
    )
    db.session.commit()
    return created(batch_json(batch))


@api_route(
    "/mutual-aid/renewals",
    methods=["POST"],
    tags=TAGS,
    summary="Roll a unit's members into the next term (dry run by default)",
    request_schema=RENEWAL_REQUEST,
    responses={200: {"description": "dry run"}, 201: {"description": "the renewal batch"}},
)
def renew():
    body = json_body()
    unit = _unit(body.get("unit_id"))
    from_term = _term(body.get("from_term_id"))
    to_term = _term(body.get("to_term_id"))
    dry = _flag(body.get("dry_run", True), "dry_run")
    result = services.renew(
        unit,
        from_term,
        to_term,
        acting_user=current_user,
        dry=dry,
        skip_bad=_flag(body.get("skip_bad", False), "skip_bad"),
    )
    if dry:
        db.session.rollback()
        return jsonify(result.as_dict())
    db.session.commit()
    return created(batch_json(result))


# ------------------------------------------------------------------------------- members


@api_route(
    "/mutual-aid/members/lookup",
    methods=["POST"],
    tags=TAGS,
    summary="A member's plan terms in scope, by full resident ID or certificate number",
    request_schema=LOOKUP_REQUEST,
    responses={200: {"description": "{items}: enrolments with cover, waiting period, use"}},
)
def lookup_member():
    body = json_body()
    found = services.lookup_enrolments(
        acting_user=current_user,
        id_number=_str(body, "id_number"),
        certificate_no=_str(body, "certificate_no"),
    )
    items = [enrolment_json(e) for e in found]
    claims = (
        db.session.scalars(
            select(Claim).where(Claim.enrolment_id.in_([e.id for e in found])).order_by(Claim.id)
        ).all()
        if found
        else []
    )
    db.session.commit()
    return jsonify({"items": items, "claims": [claim_json(c) for c in claims]})


# ------------------------------------------------------------------------------- claims


@api_route(
    "/mutual-aid/claims",
    tags=TAGS,
    summary="Claims in scope, newest first (filters: status=refused|overdue)",
    parameters=[
        {"name": "status", "in": "query", "schema": {"type": "string"}},
        {"name": "before", "in": "query", "schema": {"type": "integer"}},
    ],
    responses={200: {"description": "{items, next_before}: keyset pages of 50"}},
)
def list_claims():
    require_roles(*READERS)
    stmt = scoped(select(Claim), current_user, Claim.centre_id)
    status = request.args.get("status", "")
    if status == "refused":
        stmt = stmt.where(Claim.refusal_code != "")
    elif status == "overdue":
        stmt = coverage.overdue_stmt(stmt)
    elif status:
        raise ValidationError(_("Unknown status."), fields={"status": _("Unknown status.")})
    before = _int(request.args.get("before"), "before", required=False)
    if before:
        stmt = stmt.where(Claim.id < before)
    rows = db.session.scalars(
        stmt.options(*coverage.claim_list_options()).order_by(Claim.id.desc()).limit(50)
    ).all()
    return jsonify(
        {
            "items": [claim_json(c) for c in rows],
            "next_before": rows[-1].id if len(rows) == 50 else None,
        }
    )


@api_route(
    "/mutual-aid/claims",
    methods=["POST"],
    tags=TAGS,
    summary="Record a claim: the benefit is computed with its working, or refused with a code",
    request_schema=CLAIM_REQUEST,
    responses={201: {"description": "the claim (refusal_code set when not covered)"}},
)
def create_claim():
    body = json_body()
    enrolment = get_scoped_or_404(
        Enrolment, _int(body.get("enrolment_id"), "enrolment_id"), current_user
    )
    grade = body.get("disability_grade")
    claim = services.record_claim(
        acting_user=current_user,
        data=services.ClaimInput(
            enrolment=enrolment,
            event=_str(body, "event"),
            event_day=_date(body, "event_date"),
            discharge=_date(body, "discharge_date"),
            hospital=_str(body, "hospital"),
            diagnosis=_str(body, "diagnosis"),
            illness_code=_str(body, "illness_code"),
            outcome=_str(body, "outcome"),
            disability_grade=_int(grade, "disability_grade", required=False),
            bank_name=_str(body, "bank_name"),
            bank_account=_str(body, "bank_account"),
        ),
    )
    db.session.commit()
    return created(claim_json(claim, detail=True))


@api_route("/mutual-aid/claims/<int:claim_id>", tags=TAGS, summary="One claim")
def get_claim(claim_id: int):
    require_roles(*READERS)
    return jsonify(claim_json(get_scoped_or_404(Claim, claim_id, current_user), detail=True))


@api_route(
    "/mutual-aid/claims/<int:claim_id>/actions/<action>",
    methods=["POST"],
    tags=TAGS,
    summary="Submit, recommend, approve, reject or return a claim (through its aid case)",
    request_schema=ACTION_REQUEST,
    responses={200: {"description": "the claim"}, 409: {"description": "not possible now"}},
)
def claim_action(claim_id: int, action: str):
    require_roles(*READERS)
    if action not in ACTIONS:
        raise NotFound(_("Unknown action."))
    claim = get_scoped_or_404(Claim, claim_id, current_user)
    if claim.case is None:
        raise NotFound(_("A refused claim has no approval."))
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."), fields={})
    comment = _str(body, "comment")
    case = claim.case
    amount = _amount(body, "amount_approved", required=False)
    if action == "submit":
        case_services.submit_case(case, acting_user=current_user, comment=comment)
    elif action == "approve":
        case_services.approve_case(
            case, acting_user=current_user, amount_fen=amount, comment=comment
        )
    elif action == "recommend":
        case_services.recommend_case(
            case, acting_user=current_user, amount_fen=amount, comment=comment
        )
    elif action == "reject":
        case_services.reject_case(case, acting_user=current_user, comment=comment)
    else:
        case_services.return_case(case, acting_user=current_user, comment=comment)
    db.session.commit()
    db.session.refresh(claim)
    return jsonify(claim_json(claim, detail=True))


# ------------------------------------------------------------------------------- coverage


@api_route(
    "/mutual-aid/coverage",
    tags=TAGS,
    summary="Coverage and results per unit and centre in scope, on a day (default today)",
    parameters=[{"name": "on", "in": "query", "schema": DATE}],
)
def coverage_figures():
    require_roles(*READERS)
    on = request.args.get("on")
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise ValidationError(
            _("Enter a date as YYYY-MM-DD."), fields={"on": _("Enter a date as YYYY-MM-DD.")}
        ) from None
    report = coverage.figures(current_user, on=day)
    return jsonify(report.as_dict())
