"""The mutual-aid endpoints of the JSON API (/api/v1/mutual-aid/…).

A claim's approval runs through its aid case; its payment through the existing
`POST /cases/{case_id}/payments` endpoint (bank transfer from a mutual-aid fund only).
"""

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assist.api import api_route, created, fields, job_started, listing, require_roles
from assist.api.core import iso
from assist.attachments.services import as_json
from assist.auth.models import Role
from assist.cases import services as case_services
from assist.cases.attachments import case_attachments
from assist.core.errors import NotFound, ValidationError
from assist.core.masking import mask_account, mask_id
from assist.core.scoping import get_scoped_or_404, scoped
from assist.extensions import db
from assist.funds import queries as fund_queries
from assist.jobs.models import BackgroundJob
from assist.mutual_aid import coverage, services
from assist.mutual_aid import jobs as roster_jobs
from assist.mutual_aid.models import Claim, Enrolment, EnrolmentBatch, Plan, PlanTerm, Unit
from assist.mutual_aid.roster import read_roster

TAGS = ["mutual-aid"]
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
ACTIONS = ("submit", "recommend", "approve", "reject", "return")
TERM_SCHEMA = fields.Schema(
    label=fields.Text(20, required=True),
    cover_start=fields.Day(required=True),
    cover_end=fields.Day(required=True),
    window_opens=fields.Day(required=True),
    window_closes=fields.Day(required=True),
    fee=fields.Money(required=True),
    subsidy=fields.Money(default=0),
    min_age=fields.Integer(maximum=150, default=16),
    max_age=fields.Integer(maximum=150, default=65),
    sex=fields.Choice(["F", "M"], description='"" for both'),
    participation_pct=fields.Integer(minimum=1, maximum=100, default=60),
    small_unit_max=fields.Integer(maximum=100_000, default=10),
    rules=fields.Data(description="benefit rules by plan kind, amounts in 分"),
    required_documents=fields.Data(
        values=fields.ListOf(fields.Text(40), max_items=30),
        description="event → attachment kinds a claim needs",
    ),
)
PLAN_REQUEST = fields.Schema(
    code=fields.Text(20, required=True),
    name=fields.Text(80, required=True),
    kind=fields.Choice(["hospital", "critical_illness", "accident", "women"], required=True),
    base_plan_id=fields.Id(),
    description=fields.Text(),
    term=fields.Nested(TERM_SCHEMA, flat=True),
)
UNIT_REQUEST = fields.Schema(
    centre_code=fields.Centre(required=True),
    name=fields.Text(120, required=True),
    uscc=fields.Text(40, required=True, description="统一社会信用代码, 18 characters"),
    staff_count=fields.Integer(minimum=1, maximum=10_000_000, required=True),
    union_members=fields.Integer(maximum=10_000_000, required=True),
    contact_name=fields.Text(50),
    contact_phone=fields.Text(40),
    address=fields.Text(200),
)
PLAN_PARAMS = fields.Schema(**listing.page_fields(per_page=100, max_per_page=100))
UNIT_PARAMS = fields.Schema(**listing.page_fields(per_page=100, max_per_page=100))
ROSTER_FORM = fields.Schema(
    unit_id=fields.Id(required=True),
    term_id=fields.Id(required=True),
    dry_run=fields.Bool(default=True),
    skip_bad=fields.Bool(default=False),
)
LOOKUP_REQUEST = fields.Schema(id_number=fields.Text(40), certificate_no=fields.Text(40))
CLAIM_REQUEST = fields.Schema(
    enrolment_id=fields.Id(required=True),
    event=fields.Choice(["hospital", "critical_illness", "accident"], required=True),
    event_date=fields.Day(required=True, description="admission, first diagnosis or accident"),
    discharge_date=fields.Day(),
    hospital=fields.Text(120),
    diagnosis=fields.Text(500, required=True),
    illness_code=fields.Text(40),
    outcome=fields.Choice(["death", "disability"]),
    disability_grade=fields.Integer(minimum=1, maximum=10),
    bank_name=fields.Text(80, required=True),
    bank_account=fields.Text(40, required=True, description="the member's own card"),
)
CLAIM_PARAMS = fields.Schema(
    status=fields.Choice(["refused", "overdue"]),
    **listing.page_fields(per_page=50, max_per_page=100),
    before=listing.Retired(description="not taken any more: follow `next` with `after`"),
)
ACTION_REQUEST = fields.Schema(comment=fields.Text(), amount_approved=fields.Money())
FEE_REQUEST = fields.Schema(
    fund_id=fields.Id(required=True, description="the mutual-aid fund (互助金)"),
    subsidy_fund_id=fields.Id(description="the union fund paying the subsidy"),
    reference=fields.Text(100, required=True, description="the unit's payment reference"),
)
RENEWAL_REQUEST = fields.Schema(
    unit_id=fields.Id(required=True),
    from_term_id=fields.Id(required=True),
    to_term_id=fields.Id(required=True),
    dry_run=fields.Bool(default=True),
    skip_bad=fields.Bool(default=False),
)
COVERAGE_PARAMS = fields.Schema(on=fields.Day())

money = fields.money_out


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


def _term_input(term) -> services.TermInput:
    return services.TermInput(
        label=term.label,
        cover_start=term.cover_start,
        cover_end=term.cover_end,
        window_opens=term.window_opens,
        window_closes=term.window_closes,
        fee_fen=term.fee,
        subsidy_fen=term.subsidy,
        min_age=term.min_age,
        max_age=term.max_age,
        sex=term.sex,
        participation_pct=term.participation_pct,
        small_unit_max=term.small_unit_max,
        rules=term.rules or {},
        required_documents=term.required_documents,
    )


@api_route(
    "/mutual-aid/plans",
    tags=TAGS,
    summary="The mutual-aid plans and their terms, by code, 100 at a time (follow `next`)",
    parameters=PLAN_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_plans():
    require_roles(*READERS)
    return listing.list_response(
        select(Plan).options(selectinload(Plan.terms)),
        plan_json,
        key=(Plan.code, Plan.id),
        args=PLAN_PARAMS.args(),
        newest_first=False,
    )


@api_route(
    "/mutual-aid/plans",
    methods=["POST"],
    tags=TAGS,
    summary="Add a plan, with its first term (city administrators)",
    request_schema=PLAN_REQUEST,
    responses={201: {"description": "the plan"}},
)
def create_plan():
    services.check_manage_plans(current_user)
    body = PLAN_REQUEST.body()
    base = None
    if body.base_plan_id is not None:
        base = db.session.get(Plan, body.base_plan_id)
        if base is None:
            raise ValidationError(_("No such plan."), fields={"base_plan_id": _("No such plan.")})
    term = _term_input(body.term) if body.term is not None else None
    plan = services.create_plan(
        acting_user=current_user,
        code=body.code,
        name=body.name,
        kind=body.kind,
        base_plan=base,
        description=body.description,
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
    services.check_manage_plans(current_user)
    services.add_term(plan, acting_user=current_user, data=_term_input(TERM_SCHEMA.body()))
    db.session.commit()
    return created(plan_json(plan))


# ------------------------------------------------------------------------------- units


@api_route(
    "/mutual-aid/units",
    tags=TAGS,
    summary="Workplace units in scope",
    parameters=UNIT_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_units():
    require_roles(*READERS)
    return listing.list_response(
        scoped(select(Unit), current_user, Unit.centre_id),
        unit_json,
        key=Unit.id,
        args=UNIT_PARAMS.args(),
        newest_first=False,
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
    body = UNIT_REQUEST.body()
    unit = services.create_unit(
        acting_user=current_user,
        centre=body.centre_code,
        data=services.UnitInput(
            name=body.name,
            uscc=body.uscc,
            staff_count=body.staff_count,
            union_members=body.union_members,
            contact_name=body.contact_name,
            contact_phone=body.contact_phone,
            address=body.address,
        ),
    )
    db.session.commit()
    return created(unit_json(unit))


# ------------------------------------------------------------------------------- enrolments


def _term(term_id: int, field: str = "term_id") -> PlanTerm:
    term = db.session.get(PlanTerm, term_id)
    if term is None:
        raise ValidationError(_("No such plan term."), fields={field: _("No such plan term.")})
    return term


def _unit(unit_id: int) -> Unit:
    return get_scoped_or_404(Unit, unit_id, current_user)


@api_route(
    "/mutual-aid/enrolments",
    methods=["POST"],
    tags=TAGS,
    summary="Upload a unit's roster (multipart: unit_id, term_id, file, dry_run, skip_bad)",
    form_schema=ROSTER_FORM,
    files=("file",),
    responses={
        200: {"description": "dry run: every row's problems by row number; nothing changed"},
        201: {"description": "enrolled: the batch with its row results and fee due"},
        202: {"description": "above ROSTER_INLINE_ROWS: a job started; poll status_url"},
        409: {"description": "unit rule failed (participation, window) or bad rows not skipped"},
        422: {"description": "unreadable file, missing fields"},
    },
)
def upload_roster():
    form = ROSTER_FORM.form()
    unit = _unit(form.unit_id)
    term = _term(form.term_id)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError(_("Choose the roster file."), fields={"file": _("Required.")})
    data = upload.read()
    dry = form.dry_run
    services.check_enrol(current_user, unit)
    rows = len(read_roster(upload.filename or "", data))  # a bad file is refused here, at once
    if rows > roster_jobs.inline_rows():
        # The same job kind as the web's: the request answers at once with where to look.
        token = roster_jobs.keep_roster(current_user.id, data, upload.filename or "", rows)
        job = roster_jobs.start(
            unit,
            term,
            acting_user=current_user,
            token=token,
            mode=roster_jobs.DRY_RUN if dry else roster_jobs.CONFIRM,
            rows=rows,
            skip_bad=form.skip_bad,
        )
        return job_started(job, _roster_job_json)
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
        skip_bad=form.skip_bad,
    )
    db.session.commit()
    return created(batch_json(batch))


def _roster_job_json(job) -> dict:
    out = roster_jobs.job_json(job)
    out["status_url"] = url_for("api.mutual_aid_roster_job", job_id=job.id)
    result = job.result or {}
    out["report"] = result.get("report") if job.status == "done" else None
    if out["batch_id"]:
        out["batch_url"] = url_for("api.get_batch", batch_id=out["batch_id"])
    return out


@api_route(
    "/mutual-aid/enrolments/jobs/<int:job_id>",
    tags=TAGS,
    summary="A large roster's job (started by POST enrolments): progress, then its result",
    responses={200: {"description": "status, done/total, the dry run's report or batch_id"}},
)
def mutual_aid_roster_job(job_id: int):
    require_roles(Role.CASEWORKER)
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.kind != roster_jobs.KIND or job.params.get("user_id") != current_user.id:
        raise NotFound(_("No such job."))
    _unit(int(job.params["unit_id"]))  # still in scope
    return jsonify(_roster_job_json(job))


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
    body = FEE_REQUEST.body()
    fund = fund_queries.get_fund(current_user, body.fund_id)
    if fund is None:
        raise ValidationError(_("No such fund in your scope."), fields={"fund_id": _("Unknown.")})
    subsidy_fund = None
    if body.subsidy_fund_id is not None:
        subsidy_fund = fund_queries.get_fund(current_user, body.subsidy_fund_id)
        if subsidy_fund is None:
            raise ValidationError(
                _("No such fund in your scope."), fields={"subsidy_fund_id": _("Unknown.")}
            )
    services.receive_fee(
        batch,
        acting_user=current_user,
        fund=fund,
        reference=body.reference,
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
    body = RENEWAL_REQUEST.body()
    unit = _unit(body.unit_id)
    from_term = _term(body.from_term_id, "from_term_id")
    to_term = _term(body.to_term_id, "to_term_id")
    dry = body.dry_run
    result = services.renew(
        unit,
        from_term,
        to_term,
        acting_user=current_user,
        dry=dry,
        skip_bad=body.skip_bad,
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
    body = LOOKUP_REQUEST.body()
    found = services.lookup_enrolments(
        acting_user=current_user,
        id_number=body.id_number,
        certificate_no=body.certificate_no,
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
    parameters=CLAIM_PARAMS,
    responses=listing.LIST_RESPONSE,
)
def list_claims():
    require_roles(*READERS)
    stmt = scoped(select(Claim), current_user, Claim.centre_id)
    args = CLAIM_PARAMS.args()
    if args.status == "refused":
        stmt = stmt.where(Claim.refusal_code != "")
    elif args.status == "overdue":
        stmt = coverage.overdue_stmt(stmt)
    return listing.list_response(
        stmt.options(*coverage.claim_list_options()), claim_json, key=Claim.id, args=args
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
    body = CLAIM_REQUEST.body()
    enrolment = get_scoped_or_404(Enrolment, body.enrolment_id, current_user)
    claim = services.record_claim(
        acting_user=current_user,
        data=services.ClaimInput(
            enrolment=enrolment,
            event=body.event,
            event_day=body.event_date,
            discharge=body.discharge_date,
            hospital=body.hospital,
            diagnosis=body.diagnosis,
            illness_code=body.illness_code,
            outcome=body.outcome,
            disability_grade=body.disability_grade,
            bank_name=body.bank_name,
            bank_account=body.bank_account,
        ),
    )
    db.session.commit()
    return created(claim_json(claim, detail=True))


@api_route("/mutual-aid/claims/<int:claim_id>", tags=TAGS, summary="One claim")
def get_claim(claim_id: int):
    return listing.detail_response(
        lambda: get_scoped_or_404(Claim, claim_id, current_user),
        lambda claim: claim_json(claim, detail=True),
        roles=READERS,
    )


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
    body = ACTION_REQUEST.body()
    comment = body.comment
    case = claim.case
    amount = body.amount_approved
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
    parameters=COVERAGE_PARAMS,
)
def coverage_figures():
    require_roles(*READERS)
    report = coverage.figures(current_user, on=COVERAGE_PARAMS.args().on)
    return jsonify(report.as_dict())
