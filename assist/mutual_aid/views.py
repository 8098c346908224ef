"""Mutual-aid pages: plans, units and their rosters, batches and fees, members, claims, coverage.

A claim's approval and payment happen on its aid case's page (the same tiers, duties and
payments as every case); the claim page shows the benefit's working and the checklist.
"""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assist.attachments.labels import KIND_LABELS as DOCUMENT_LABELS
from assist.attachments.models import AttachmentKind
from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.cases.attachments import CLAIM_KINDS, case_attachments
from assist.cases.labels import STATUS_HELP, STATUS_LABELS
from assist.cases.models import CaseStatus
from assist.centres.models import Centre
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.forms import Outcome, apply_field_errors, int_arg, perform, refuse_back
from assist.core.inputs import id_or_none
from assist.core.nav import register_nav
from assist.core.pagination import paginate
from assist.core.scoping import get_scoped_or_404, roles_required, scoped, scoped_centres
from assist.extensions import db
from assist.funds import queries as fund_queries
from assist.funds.models import FundSource
from assist.mutual_aid import coverage, services
from assist.mutual_aid import jobs as roster_jobs
from assist.mutual_aid.benefits import EVENT_FOR_PLAN, refusal_label
from assist.mutual_aid.forms import (
    RULE_FIELDS,
    CalendarDayForm,
    CalendarImportForm,
    ClaimForm,
    ConfirmRosterForm,
    FeeForm,
    LookupForm,
    PlanForm,
    RenewForm,
    RosterForm,
    TermForm,
    UnitForm,
)
from assist.mutual_aid.models import (
    CalendarDay,
    Claim,
    Enrolment,
    EnrolmentBatch,
    Plan,
    PlanTerm,
    Unit,
)
from assist.mutual_aid.roster import read_roster

bp = Blueprint("mutual_aid", __name__, url_prefix="/mutual-aid")
READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)

register_nav(_l("Mutual aid"), "mutual_aid.index", roles=READERS, order=38, group="mutual_aid")
register_nav(
    _l("Working-day calendar"),
    "mutual_aid.calendar",
    roles=(Role.ADMIN,),
    order=39,
    group="mutual_aid",
    when=services.can_manage_plans,
)
register_nav(
    _l("New plan"),
    "mutual_aid.plan_new",
    roles=(Role.ADMIN,),
    order=39,
    group="mutual_aid",
    when=services.can_manage_plans,
)

PLAN_KIND_LABELS = {
    "hospital": _l("Hospital allowance"),
    "critical_illness": _l("Critical illness"),
    "accident": _l("Accident"),
    "women": _l("Women workers' special diseases"),
}
EVENT_LABELS = {
    "hospital": _l("Hospital stay"),
    "critical_illness": _l("Critical illness"),
    "accident": _l("Accident"),
}


@bp.app_context_processor
def _labels():
    return {
        "ma_labels": {
            "plan_kind": PLAN_KIND_LABELS,
            "event": EVENT_LABELS,
            "document": {k.value: v for k, v in DOCUMENT_LABELS.items()},
        },
        "ma_refusal_label": refusal_label,
        "case_status_label": lambda status: str(STATUS_LABELS[CaseStatus(status)]),
        "case_status_help": lambda status: str(STATUS_HELP[CaseStatus(status)]),
    }


def _terms() -> list[PlanTerm]:
    return list(
        db.session.scalars(
            select(PlanTerm).join(Plan).order_by(Plan.code, PlanTerm.cover_start.desc())
        )
    )


def _term_choices() -> list[tuple[str, str]]:
    return [
        (str(t.id), f"{t.plan.code} · {t.plan.name} · {t.label} ({t.cover_start} – {t.cover_end})")
        for t in _terms()
    ]


# ------------------------------------------------------------------------------- plans


@bp.route("/")
@login_required
@roles_required(*READERS)
def index():
    plans = db.session.scalars(select(Plan).order_by(Plan.code)).all()
    in_use = set(db.session.scalars(select(Enrolment.term_id).distinct()))
    can_manage = services.can_manage_plans(current_user)
    return render_template(
        "mutual_aid/index.html", plans=plans, terms_in_use=in_use, can_manage=can_manage
    )


def _document_choices() -> list[tuple[str, str]]:
    return [(str(k), DOCUMENT_LABELS[AttachmentKind(k)]) for k in CLAIM_KINDS]


def _term_errors(form, err: DomainError) -> None:
    """Show the service's refusal beside this form's fields (its names are the API's)."""
    names = {"cover_end": "years", "required_documents": "documents"}
    err.fields = {
        RULE_FIELDS.get(k.removeprefix("rules."), k)
        if k.startswith("rules.")
        else names.get(k, k): v
        for k, v in err.fields.items()
    }
    apply_field_errors(form, err)


def _plan_page(form, *, plan=None, term=None, status=200):
    kind = plan.kind if plan is not None else None
    return render_template(
        "mutual_aid/plan_form.html",
        form=form,
        plan=plan,
        term=term,
        kind=kind,
        sections=[
            ("hospital", _("Hospital allowance rules"), form.rule_sections("hospital")),
            (
                "critical_illness women",
                _("Illnesses and graded waiting period"),
                form.rule_sections("critical_illness"),
            ),
            ("accident", _("Accident sums"), form.rule_sections("accident")),
        ],
    ), status


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def plan_new():
    """A new plan with its first term (city administrators)."""
    services.check_manage_plans(current_user)
    form = PlanForm()
    form.documents.choices = _document_choices()
    bases = db.session.scalars(select(Plan).where(Plan.kind != "women").order_by(Plan.code))
    form.base_plan.choices = [("", "—")] + [(str(p.id), f"{p.code} {p.name}") for p in bases]
    if request.method == "GET":
        form.documents.data = list(services.DEFAULT_DOCUMENTS["hospital"])

    def create():
        base_id = id_or_none(form.base_plan.data)
        base = db.session.get(Plan, base_id) if base_id else None
        if form.base_plan.data and base is None:
            raise ValidationError(_("No such plan."), fields={"base_plan": _("No such plan.")})
        kind = form.kind.data
        plan = services.create_plan(
            acting_user=current_user,
            code=form.code.data,
            name=form.name.data,
            kind=kind,
            base_plan=base,
            description=form.description.data or "",
        )
        event = EVENT_FOR_PLAN[kind]
        services.add_term(plan, acting_user=current_user, data=form.term_input(kind, event))
        return plan

    return _save_plan_form(form, create, lambda plan: _("Plan %(code)s added.", code=plan.code))


def _save_plan_form(form, action, done, **page):
    """The plan and term forms' one path: save through `action` and go back to the plans,
    or show the form again with the service's refusal beside its fields."""
    if not form.validate_on_submit():
        return _plan_page(form, status=422 if form.errors else 200, **page)
    outcome = perform(action, refused=lambda err: _term_errors(form, err), done=done)
    if outcome.ok:
        return redirect(url_for("mutual_aid.index"))
    return _plan_page(form, status=outcome.status, **page)


@bp.route("/plans/<int:plan_id>/terms/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def term_new(plan_id: int):
    """The next term (a new version) of a plan, offered with the latest term's numbers."""
    services.check_manage_plans(current_user)
    plan = db.session.get(Plan, plan_id) or abort(404)
    event = EVENT_FOR_PLAN[plan.kind]
    form = TermForm()
    form.documents.choices = _document_choices()
    if request.method == "GET":
        source = db.session.get(PlanTerm, id_or_none(request.args.get("from")) or 0)
        if source is None or source.plan_id != plan.id:
            source = plan.terms[-1] if plan.terms else None
        if source is not None:
            form.fill(services.next_term_input(source), event)
        else:
            form.documents.data = list(services.DEFAULT_DOCUMENTS[event])
            form.sex.data = "F" if plan.kind == "women" else ""
    return _save_plan_form(
        form,
        lambda: services.add_term(
            plan, acting_user=current_user, data=form.term_input(plan.kind, event)
        ),
        lambda term: _("Term %(label)s added to %(code)s.", label=term.label, code=plan.code),
        plan=plan,
    )


@bp.route("/terms/<int:term_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def term_edit(term_id: int):
    """Correct a term nobody is enrolled in; a term with members is offered a new version."""
    term = db.session.get(PlanTerm, term_id) or abort(404)
    plan = term.plan
    try:
        services.check_edit_term(current_user, term)
    except PermissionDenied:
        raise
    except DomainError as err:
        flash(err.message, "warning")
        return redirect(url_for("mutual_aid.term_new", plan_id=plan.id, **{"from": term.id})), 303
    event = EVENT_FOR_PLAN[plan.kind]
    form = TermForm()
    form.documents.choices = _document_choices()
    if request.method == "GET":
        form.fill(term, event)
    return _save_plan_form(
        form,
        lambda: services.update_term(
            term, acting_user=current_user, data=form.term_input(plan.kind, event)
        ),
        lambda _value: _("Term %(label)s saved.", label=term.label),
        plan=plan,
        term=term,
    )


# ------------------------------------------------------------------------------- calendar


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
@roles_required(Role.ADMIN)
def calendar():
    """The working-day calendar: public holidays and adjusted working days, by year."""
    services.check_manage_calendar(current_user)
    year = int_arg(request.args, "year") or services.local_today().year
    if not 1990 <= year <= 2200:
        abort(404)
    day_form = CalendarDayForm(prefix="day")
    import_form = CalendarImportForm(prefix="import")
    status = 200
    if request.method == "POST":
        if request.form.get("action") == "import" and import_form.validate_on_submit():
            outcome = perform(
                lambda: services.import_calendar(
                    acting_user=current_user, text=import_form.lines.data or ""
                ),
                form=import_form,
                done=lambda n: _("%(n)d days set.", n=n),
            )
        elif request.form.get("action") == "set" and day_form.validate_on_submit():
            outcome = perform(
                lambda: services.set_calendar_day(
                    acting_user=current_user,
                    day=day_form.day.data,
                    kind=day_form.kind.data,
                    name=day_form.name.data or "",
                ),
                form=day_form,
                done=lambda row: _("%(day)s set.", day=row.day.isoformat()),
            )
            if outcome.ok:
                year = outcome.value.day.year
        elif request.form.get("action") == "remove" and EmptyForm().validate_on_submit():
            row = db.session.get(CalendarDay, id_or_none(request.form.get("day_id")) or 0)
            if row is None:
                abort(404)
            outcome = perform(
                lambda: services.remove_calendar_day(acting_user=current_user, row=row),
                done=_("%(day)s removed.", day=row.day.isoformat()),
            )
        else:
            outcome = Outcome(error=ValidationError(_("The form was not saved.")))
        if outcome.ok:
            return redirect(url_for("mutual_aid.calendar", year=year))
        status = outcome.status if outcome.error.status != 409 else 422
    days = db.session.scalars(
        select(CalendarDay)
        .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    return render_template(
        "mutual_aid/calendar.html",
        year=year,
        days=days,
        day_form=day_form,
        import_form=import_form,
        remove_form=EmptyForm(),
        payment_days=services.payment_days(),
    ), status


# ------------------------------------------------------------------------------- units


@bp.route("/units")
@login_required
@roles_required(*READERS)
def units():
    stmt = scoped(select(Unit), current_user, Unit.centre_id).options(joinedload(Unit.centre))
    page = paginate(stmt, key=(Unit.name, Unit.id), ascending=True)
    return render_template("mutual_aid/units.html", page=page)


def _centre_choices() -> list[tuple[str, str]]:
    return [
        (str(c.id), f"{c.code} {c.name}") for c in db.session.scalars(scoped_centres(current_user))
    ]


@bp.route("/units/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.ADMIN)
def unit_new():
    form = UnitForm()
    form.centre.choices = _centre_choices()
    if form.validate_on_submit():
        centre = get_scoped_or_404(Centre, form.centre.data, current_user, Centre.id)
        outcome = perform(
            lambda: services.create_unit(
                acting_user=current_user,
                centre=centre,
                data=services.UnitInput(
                    name=form.name.data,
                    uscc=form.uscc.data,
                    staff_count=form.staff_count.data,
                    union_members=form.union_members.data,
                    contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "",
                    address=form.address.data or "",
                ),
            ),
            form=form,
            done=lambda unit: _("Unit %(name)s registered.", name=unit.name),
        )
        if outcome.ok:
            return redirect(url_for("mutual_aid.unit", unit_id=outcome.value.id))
    status = 422 if form.errors else 200
    return render_template("mutual_aid/unit_form.html", form=form), status


def _unit_page(unit: Unit, *, roster_form=None, status=200):
    batches = db.session.scalars(
        select(EnrolmentBatch)
        .where(EnrolmentBatch.unit_id == unit.id)
        .order_by(EnrolmentBatch.id.desc())
        .limit(50)
    ).all()
    roster_form = roster_form or RosterForm(formdata=None)
    roster_form.term.choices = _term_choices()
    renew_form = RenewForm(formdata=None)
    renew_form.from_term.choices = renew_form.to_term.choices = _term_choices()
    return render_template(
        "mutual_aid/unit.html",
        unit=unit,
        batches=batches,
        roster_form=roster_form,
        renew_form=renew_form,
        can_enrol=current_user.has_role(Role.CASEWORKER),
    ), status


@bp.route("/units/<int:unit_id>")
@login_required
@roles_required(*READERS)
def unit(unit_id: int):
    return _unit_page(get_scoped_or_404(Unit, unit_id, current_user))


@bp.route("/units/<int:unit_id>/roster", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def roster(unit_id: int):
    unit = get_scoped_or_404(Unit, unit_id, current_user)
    form = RosterForm()
    form.term.choices = _term_choices()
    if not form.validate_on_submit():
        return _unit_page(unit, roster_form=form, status=422)
    term = db.session.get(PlanTerm, int(form.term.data))
    upload = form.file.data
    data = upload.read() if upload else b""
    filename = upload.filename if upload else ""

    def check_and_report():
        services.check_enrol(current_user, unit)
        rows = len(read_roster(filename or "", data))  # a bad file is refused here, at once
        if rows > roster_jobs.inline_rows():
            return None, rows  # too long to read while the browser waits: a job reads it
        report = services.dry_run(
            unit, term, acting_user=current_user, filename=filename or "", data=data
        )
        return report, rows

    def refused(err: DomainError) -> None:
        form.file.errors = [err.fields.get("file") or err.message]

    outcome = perform(check_and_report, refused=refused, rollback=True)
    if outcome.ok and outcome.value[0] is None:
        rows = outcome.value[1]
        outcome = perform(
            lambda: roster_jobs.start(
                unit,
                term,
                acting_user=current_user,
                token=roster_jobs.keep_roster(current_user.id, data, filename or "", rows),
                mode="dry_run",
                rows=rows,
            ),
            refused=refused,
        )
        if outcome.ok:  # committed: the job is the engine's now
            return redirect(
                url_for("mutual_aid.roster_job", unit_id=unit.id, job_id=outcome.value.id)
            )
    if not outcome.ok:
        return _unit_page(unit, roster_form=form, status=422)
    report, rows = outcome.value
    confirm = ConfirmRosterForm(
        formdata=None,
        token=roster_jobs.keep_roster(current_user.id, data, filename or "", rows),
        term=term.id,
    )
    return render_template(
        "mutual_aid/roster_report.html",
        unit=unit,
        report=report,
        confirm_form=confirm,
        confirm_url=url_for("mutual_aid.roster_confirm", unit_id=unit.id),
    )


@bp.route("/units/<int:unit_id>/roster/confirm", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def roster_confirm(unit_id: int):
    unit = get_scoped_or_404(Unit, unit_id, current_user)
    form = ConfirmRosterForm()
    if not form.validate_on_submit():
        return refuse_back(form, url_for("mutual_aid.unit", unit_id=unit.id))
    token = form.token.data
    kept = roster_jobs.kept_roster(current_user.id, token)
    if kept is None:
        flash(_("The uploaded roster has expired; upload it again."), "warning")
        return redirect(url_for("mutual_aid.unit", unit_id=unit.id))
    term = db.session.get(PlanTerm, id_or_none(form.term.data) or 0)
    if term is None:
        abort(404)
    data, filename = kept
    rows = roster_jobs.kept_rows(current_user.id, token) or 0
    in_background = rows > roster_jobs.inline_rows()

    def enrol():
        """The job enrolling the roster in the background (the commit hands it to the engine),
        or the batch enrolled here and now."""
        if in_background:
            services.check_enrol(current_user, unit)
            return roster_jobs.start(
                unit,
                term,
                acting_user=current_user,
                token=token,
                mode="confirm",
                rows=rows,
                skip_bad=form.skip_bad.data,
            )
        return services.enrol_file(
            unit,
            term,
            acting_user=current_user,
            filename=filename,
            data=data,
            skip_bad=form.skip_bad.data,
        )

    outcome = perform(enrol)
    if not outcome.ok:
        return redirect(url_for("mutual_aid.unit", unit_id=unit.id))
    if in_background:
        return redirect(url_for("mutual_aid.roster_job", unit_id=unit.id, job_id=outcome.value.id))
    batch = outcome.value
    roster_jobs.drop_roster(current_user.id, token)
    return _enrolled(batch.id, batch.batch_no, batch.rows_enrolled)


def _enrolled(batch_id: int, batch_no: str, enrolled: int):
    flash(_("%(n)d members enrolled in batch %(no)s.", n=enrolled, no=batch_no), "success")
    return redirect(url_for("mutual_aid.batch", batch_id=batch_id))


def _roster_job_or_404(unit_id: int, job_id: int):
    unit = get_scoped_or_404(Unit, unit_id, current_user)
    job = roster_jobs.load_job(job_id, unit=unit, user=current_user)
    if job is None:
        abort(404)
    return unit, job


@bp.route("/units/<int:unit_id>/roster/jobs/<int:job_id>")
@login_required
@roles_required(Role.CASEWORKER)
def roster_job(unit_id: int, job_id: int):
    """A large roster's job: its progress while it runs, then the dry run's report."""
    unit, job = _roster_job_or_404(unit_id, job_id)
    status = roster_jobs.job_json(job)
    if job.status == "done" and status["error"]:
        flash(status["error"], "danger")
        return redirect(url_for("mutual_aid.unit", unit_id=unit.id))
    if job.status == "done" and status["mode"] == "confirm":
        result = job.result
        return _enrolled(result["batch_id"], result["batch_no"], result["rows_enrolled"])
    term = db.session.get(PlanTerm, job.params["term_id"])
    if job.status == "done":
        confirm = ConfirmRosterForm(formdata=None, token=job.params["token"], term=term.id)
        return render_template(
            "mutual_aid/roster_report.html",
            unit=unit,
            report=roster_jobs.stored_report(job, term),
            confirm_form=confirm,
            confirm_url=url_for("mutual_aid.roster_confirm", unit_id=unit.id),
        )
    return render_template("mutual_aid/roster_job.html", unit=unit, term=term, job=status)


@bp.route("/units/<int:unit_id>/roster/jobs/<int:job_id>/status")
@login_required
@roles_required(Role.CASEWORKER)
def roster_job_status(unit_id: int, job_id: int):
    """The job's progress as JSON (the print jobs' shape), polled by its page."""
    unit, job = _roster_job_or_404(unit_id, job_id)
    out = roster_jobs.job_json(job)
    out["download_url"] = (
        url_for("mutual_aid.roster_job", unit_id=unit.id, job_id=job.id)
        if job.status in ("done", "failed")
        else None
    )
    return jsonify(out)


@bp.route("/units/<int:unit_id>/renew", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def renew(unit_id: int):
    unit = get_scoped_or_404(Unit, unit_id, current_user)
    form = RenewForm()
    form.from_term.choices = form.to_term.choices = _term_choices()
    if not form.validate_on_submit():
        return refuse_back(form, url_for("mutual_aid.unit", unit_id=unit.id))
    from_term = db.session.get(PlanTerm, int(form.from_term.data))
    to_term = db.session.get(PlanTerm, int(form.to_term.data))
    dry = form.confirm.data != "1"
    outcome = perform(
        lambda: services.renew(
            unit,
            from_term,
            to_term,
            acting_user=current_user,
            dry=dry,
            skip_bad=form.skip_bad.data,
        ),
        rollback=dry,
        done=None if dry else lambda result: _("%(n)d members renewed.", n=result.rows_enrolled),
    )
    if not outcome.ok:
        return redirect(url_for("mutual_aid.unit", unit_id=unit.id))
    result = outcome.value
    if dry:
        confirm = RenewForm(formdata=None, from_term=from_term.id, to_term=to_term.id, confirm="1")
        confirm.from_term.choices = confirm.to_term.choices = _term_choices()
        return render_template(
            "mutual_aid/roster_report.html",
            unit=unit,
            report=result,
            confirm_form=confirm,
            confirm_url=url_for("mutual_aid.renew", unit_id=unit.id),
            is_renewal=True,
        )
    return redirect(url_for("mutual_aid.batch", batch_id=result.id))


# ------------------------------------------------------------------------------- batches


def _fee_form(form=None) -> FeeForm:
    form = form or FeeForm(formdata=None)
    funds = db.session.scalars(fund_queries.visible_funds_stmt(current_user)).all()
    form.fund.choices = [
        (str(f.id), f"{f.year} · {f.name}") for f in funds if f.source == FundSource.MUTUAL_AID
    ]
    form.subsidy_fund.choices = [("", "—")] + [
        (str(f.id), f"{f.year} · {f.name}") for f in funds if f.source != FundSource.MUTUAL_AID
    ]
    return form


@bp.route("/batches/<int:batch_id>")
@login_required
@roles_required(*READERS)
def batch(batch_id: int, fee_form=None, status=200):
    batch = get_scoped_or_404(EnrolmentBatch, batch_id, current_user)
    members = paginate(
        select(Enrolment).where(Enrolment.batch_id == batch.id),
        per_page=100,
        key=Enrolment.id,
        ascending=True,
    )
    bad = [r for r in batch.row_results if not r["ok"]]
    return render_template(
        "mutual_aid/batch.html",
        batch=batch,
        members=members,
        bad_rows=bad,
        fee_form=_fee_form(fee_form) if current_user.has_role(Role.FINANCE) else None,
    ), status


@bp.route("/batches/<int:batch_id>/fee", methods=["POST"])
@login_required
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_fee(batch_id: int):
    batch_row = get_scoped_or_404(EnrolmentBatch, batch_id, current_user)
    form = _fee_form(FeeForm())
    if not form.validate_on_submit():
        return batch(batch_id, fee_form=form, status=422)
    fund = fund_queries.get_fund(current_user, form.fund.data)
    subsidy = (
        fund_queries.get_fund(current_user, form.subsidy_fund.data)
        if form.subsidy_fund.data
        else None
    )
    if fund is None:
        abort(404)
    outcome = perform(
        lambda: services.receive_fee(
            batch_row,
            acting_user=current_user,
            fund=fund,
            reference=form.reference.data,
            subsidy_fund=subsidy,
        ),
        form=form,
        done=_("Fee received for batch %(no)s.", no=batch_row.batch_no),
    )
    if not outcome.ok:
        return batch(batch_id, fee_form=form, status=outcome.status)
    return redirect(url_for("mutual_aid.batch", batch_id=batch_id))


# ------------------------------------------------------------------------------- members


@bp.route("/members", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
def members():
    form = LookupForm()
    found = None
    claims = []
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.lookup_enrolments(
                acting_user=current_user,
                id_number=form.id_number.data or "",
                certificate_no=form.certificate_no.data or "",
            ),
            form=form,
        )
        if outcome.ok:
            found = outcome.value
            if found:
                claims = db.session.scalars(
                    select(Claim)
                    .where(Claim.enrolment_id.in_([e.id for e in found]))
                    .order_by(Claim.id)
                ).all()
    # The lookup is a POST: the full ID never lands in a URL or the form's value.
    form.id_number.data = ""
    return render_template(
        "mutual_aid/members.html",
        form=form,
        found=found,
        claims=claims,
        waiting=services.waiting_status,
        used=services.used_this_term,
    )


# ------------------------------------------------------------------------------- claims


@bp.route("/claims")
@login_required
@roles_required(*READERS)
def claims():
    stmt = scoped(select(Claim), current_user, Claim.centre_id)
    view = request.args.get("view", "")
    if view == "refused":
        stmt = stmt.where(Claim.refusal_code != "")
    elif view == "overdue":
        stmt = coverage.overdue_stmt(stmt)
    return render_template(
        "mutual_aid/claims.html",
        page=paginate(stmt.options(*coverage.claim_list_options()), key=Claim.id),
        view=view,
        days=services.payment_days(),
    )


@bp.route("/claims/new/<int:enrolment_id>", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER)
def claim_new(enrolment_id: int):
    enrolment = get_scoped_or_404(Enrolment, enrolment_id, current_user)
    form = ClaimForm()
    illnesses = enrolment.term.rules.get("illnesses", [])
    form.illness_code.choices = [("", "—")] + [(i["code"], i["name"]) for i in illnesses]
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.record_claim(
                acting_user=current_user,
                data=services.ClaimInput(
                    enrolment=enrolment,
                    event=form.event.data,
                    event_day=form.event_date.data,
                    discharge=form.discharge_date.data,
                    hospital=form.hospital.data or "",
                    diagnosis=form.diagnosis.data,
                    illness_code=form.illness_code.data or "",
                    outcome=form.outcome.data or "",
                    disability_grade=form.disability_grade.data,
                    bank_name=form.bank_name.data,
                    bank_account=form.bank_account.data,
                ),
            ),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for("mutual_aid.claim", claim_id=outcome.value.id))
    status = 422 if form.errors else 200
    form.bank_account.data = ""
    return render_template("mutual_aid/claim_form.html", form=form, enrolment=enrolment), status


@bp.route("/claims/<int:claim_id>")
@login_required
@roles_required(*READERS)
def claim(claim_id: int):
    claim = get_scoped_or_404(Claim, claim_id, current_user)
    required = claim.enrolment.term.required_documents.get(claim.event, [])
    present = {a.kind for a in case_attachments(claim.case)} if claim.case else set()
    return render_template(
        "mutual_aid/claim.html",
        claim=claim,
        checklist=[(AttachmentKind(k), k in present) for k in required],
        # Health data: the diagnosis is for those who handle and decide the claim.
        shows_diagnosis=current_user.has_role(Role.CASEWORKER, Role.SUPERVISOR),
        overdue_cutoff=services.overdue_cutoff(),
    )


# ------------------------------------------------------------------------------- coverage


@bp.route("/coverage")
@login_required
@roles_required(*READERS)
def coverage_page():
    report = coverage.figures(current_user)
    after = int_arg(request.args, "after") or 0
    households = coverage.households_without_cover(current_user, after=after)
    if request.args.get("format") == "xlsx":
        everyone = coverage.households_without_cover(current_user, limit=5000)
        data = coverage.export_xlsx(report, everyone)
        return Response(
            data,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=mutual-aid-coverage.xlsx"},
        )
    return render_template("mutual_aid/coverage.html", report=report, households=households)
