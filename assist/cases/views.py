"""Aid case pages: lists, work queues, the case page, decisions and the public notice."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assist.applicants.labels import CATEGORY_LABELS as FILE_CATEGORY_LABELS
from assist.applicants.labels import RELATION_LABELS
from assist.applicants.models import Applicant
from assist.attachments import services as attachment_services
from assist.attachments.forms import RemoveAttachmentForm
from assist.attachments.labels import KIND_LABELS as ATTACHMENT_KIND_LABELS
from assist.audit import labels as audit_labels
from assist.audit.services import record
from assist.auth.models import Role
from assist.cases import attachments, badges, caps, queries, services
from assist.cases import exports as _exports  # noqa: F401  (registers its lists)
from assist.cases import inbox as _inbox  # noqa: F401  (registers the case queues)
from assist.cases import search as _search  # noqa: F401  (cases in the search box)
from assist.cases.documents import NoticePeriod
from assist.cases.evidence import decision_evidence, household_summary
from assist.cases.forms import (
    CaseAttachmentForm,
    CaseForm,
    CommentForm,
    DecideForm,
    ObjectionForm,
    ResolveForm,
)
from assist.cases.labels import (
    ACTION_LABELS,
    KIND_LABELS,
    OBJECTION_LABELS,
    OCCASION_LABELS,
    SCHOOL_LEVEL_LABELS,
    STATUS_HELP,
    STATUS_LABELS,
    STATUS_TONES,
)
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus, Objection
from assist.centres.models import Centre
from assist.centres.scoping import get_scoped_or_404, in_subtree, roles_required, scoped_centres
from assist.core.errors import DomainError, ValidationError
from assist.core.forms import (
    Outcome,
    apply_field_errors,
    audited,
    input_refusal,
    perform,
    refuse_back,
)
from assist.core.inputs import text_problem
from assist.core.masking import mask_name
from assist.core.nav import register_nav
from assist.core.pagination import paginate
from assist.core.timeutil import to_local, utcnow
from assist.exports import registry as exports
from assist.extensions import db

bp = Blueprint("cases", __name__, url_prefix="/cases")
bp.record_once(lambda state: badges.init_app(state.app))  # row badges for templates

register_nav(
    _l("Aid cases"),
    "cases.index",
    roles=(Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR),
    order=30,
    group="relief",
)
register_nav(
    _l("Public notice"),
    "cases.notices",
    roles=(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR),
    order=35,
    group="relief",
)

audit_labels.register(
    actions={f"case.{k}": v for k, v in ACTION_LABELS.items()}
    | {"case.notice_printed": _l("Notice list printed")},
    objects={"aid_cases": _l("Aid case"), "case_objections": _l("Objection")},
    links={"aid_cases": lambda i: url_for("cases.show", case_id=int(i))},
    values={**STATUS_LABELS, **KIND_LABELS},
    fields={"objection_id": _l("Objection"), "to_centre": _l("To centre")},
)

READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
DECISIONS = ("approve", "recommend", "reject", "return")


@bp.app_context_processor
def _labels():
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "status_tones": STATUS_TONES,
        "status_help": STATUS_HELP,
        "action_labels": ACTION_LABELS,
        "objection_labels": OBJECTION_LABELS,
        "school_level_labels": SCHOOL_LEVEL_LABELS,
        "occasion_labels": OCCASION_LABELS,
        "evidence_labels": {
            "category": FILE_CATEGORY_LABELS,
            "relation": RELATION_LABELS,
            "attachment": ATTACHMENT_KIND_LABELS,
        },
    }


@bp.app_template_global()
def case_evidence(case: AidCase, timeline: bool = True):
    """The decision evidence for a page outside this blueprint (the payment form)."""
    return decision_evidence(case, acting_user=current_user, timeline=timeline)


@bp.before_app_request
def _release_ended_notices():
    """Cases whose notice has ended become ready to pay on the next request. The process's
    NoticeClock knows when the next notice can end: until then a request asks nothing."""
    if request.endpoint in (None, "static", "home.healthz"):
        return
    app = current_app._get_current_object()
    clock = app.extensions.get("notice_clock")
    if clock is None:
        clock = app.extensions["notice_clock"] = services.NoticeClock(
            app.config.get("NOTICE_RECHECK_SECONDS", 60)
        )
    now = utcnow()
    if not clock.due(now):
        return
    try:
        if clock.release(now):
            db.session.commit()
    except Exception:  # noqa: BLE001 - never fail a page for this; the CLI catches up
        db.session.rollback()
        clock.next_at = None
        current_app.logger.exception("closing ended notices failed")


def _get(case_id: int) -> AidCase:
    return get_scoped_or_404(AidCase, case_id, current_user)


def _perform(action, **options) -> Outcome:
    """`perform` for a change to a case: a concurrent writer makes it a clear refusal."""
    return perform(
        action,
        conflict=_("Someone else changed this case at the same moment; look again."),
        **options,
    )


def _to_case(case: AidCase):
    return redirect(url_for("cases.show", case_id=case.id))


# ---------------------------------------------------------------------------- lists


@bp.route("/")
@login_required
@roles_required(*READ_ROLES)
def index():
    stmt = queries.visible_cases(current_user)
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    centre_code = request.args.get("centre", "")
    q = request.args.get("q", "").strip()
    if status in set(CaseStatus):
        stmt = stmt.where(AidCase.status == status)
    if kind in set(AidKind):
        stmt = stmt.where(AidCase.kind == kind)
    centres = list(db.session.scalars(scoped_centres(current_user)))
    chosen = next((c for c in centres if c.code == centre_code), None)
    if chosen is not None:
        stmt = stmt.where(in_subtree(chosen, AidCase.centre_id))
    if q:
        stmt = queries.search(stmt, q)
    fmt = exports.requested_format()
    if fmt:
        return exports.respond("cases", stmt.order_by(AidCase.id.desc()), fmt)
    page = paginate(stmt, per_page=50, key=AidCase.id)
    return render_template(
        "cases/index.html",
        page=page,
        centres=centres,
        filters={"status": status, "kind": kind, "centre": centre_code, "q": q},
    )


@bp.route("/queue")
@login_required
def queue():
    """The old work-queue page: everything waiting now lives in the one inbox."""
    return redirect(url_for("inbox.index"), code=301)


# ---------------------------------------------------------------------------- drafting


def _case_input(form: CaseForm, applicant: Applicant | None) -> services.CaseInput:
    is_service = form.kind.data in (AidKind.LEGAL, AidKind.JOB)
    return services.CaseInput(
        kind=form.kind.data,
        reason=form.reason.data or "",
        # The form hides the amount for services; a value left in it is not meant.
        amount_requested_fen=None if is_service else form.amount_requested.fen,
        service=form.service.data or "",
        applicant=applicant,
        person_name=form.person_name.data or "",
        person_id=form.person_id.data or "",
        person_address=form.person_address.data or "",
        school_level=form.school_level.data or "",
        occasion=form.occasion.data or "",
        self_paid_fen=form.self_paid.fen,
    )


def _find_file(file_no: str) -> Applicant | None:
    """Load a file by its number within the user's scope (None when blank)."""
    file_no = (file_no or "").strip().upper()
    if not file_no:
        return None
    problem = text_problem(file_no)
    if problem is not None:  # a file number never holds one (and PostgreSQL refuses NUL)
        raise ValidationError(
            _("The file number %(problem)s.", problem=problem),
            fields={"file_no": _("The file number %(problem)s.", problem=problem)},
        )
    from assist.centres.scoping import scoped

    stmt = scoped(
        select(Applicant).where(Applicant.file_no == file_no), current_user, Applicant.centre_id
    )
    applicant = db.session.scalars(stmt).first()
    if applicant is None:
        raise ValidationError(
            _("There is no file %(file_no)s in your scope.", file_no=file_no),
            fields={"file_no": _("No such file in your scope.")},
        )
    return applicant


#: How many active files the new-case form offers at once; a search narrows the list.
FILE_CHOICES_LIMIT = 200


def _file_choices(form: CaseForm, picked: Applicant | None, q: str) -> bool:
    """Offer the active files in the user's scope (narrowed by `q`); True when cut short."""
    from assist.applicants.models import FileStatus
    from assist.applicants.queries import like_escape
    from assist.centres.scoping import scoped

    stmt = scoped(
        select(Applicant).where(Applicant.status == FileStatus.ACTIVE),
        current_user,
        Applicant.centre_id,
    )
    if q:
        like = "%" + like_escape(q) + "%"
        stmt = stmt.where(
            Applicant.name.ilike(like, escape="\\") | Applicant.file_no.ilike(like, escape="\\")
        )
    rows = list(db.session.scalars(stmt.order_by(Applicant.file_no).limit(FILE_CHOICES_LIMIT + 1)))
    more = len(rows) > FILE_CHOICES_LIMIT
    rows = rows[:FILE_CHOICES_LIMIT]
    if picked is not None and picked not in rows:
        rows.insert(0, picked)

    def label(a: Applicant) -> str:
        category = FILE_CATEGORY_LABELS.get(a.category, "") if a.category else ""
        return " · ".join(str(p) for p in (a.name, a.file_no, category) if p)

    form.file_no.choices = [("", _("— no file (temporary relief only) —"))] + [
        (a.file_no, label(a)) for a in rows
    ]
    return more


def _picked_file(form: CaseForm) -> Applicant | None:
    """The file chosen on the form, if it is one in scope (errors are for saving to report)."""
    try:
        return _find_file(form.file_no.data)
    except DomainError:
        return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER)
def create():
    form = CaseForm()
    applicant = None
    q = request.args.get("q", "").strip()[:40]
    if request.method == "GET" and request.args.get("applicant"):
        applicant = get_scoped_or_404(Applicant, request.args.get("applicant"), current_user)
        form.file_no.data = applicant.file_no
    if request.method == "GET" and request.args.get("kind") in set(AidKind):
        form.kind.data = request.args.get("kind")
    status = 200
    cap_check = None
    checking = request.form.get("then") == "check"
    if form.validate_on_submit():

        def act():
            found = _find_file(form.file_no.data)
            data = _case_input(form, found)
            if checking:  # the check saves nothing: its commit has nothing to write
                return found, services.cap_preview(acting_user=current_user, data=data)
            return found, services.create_case(acting_user=current_user, data=data)

        outcome = perform(act, form=form, fields={"applicant_id": "file_no"})
        status = outcome.status
        if outcome.ok and not checking:
            return _created(outcome.value[1])
        if outcome.ok:
            applicant, result = outcome.value
            cap_check = {
                "message": caps.cap_message(result)
                if result is not None
                else _("Legal and job aid are services: there is no cap to check."),
                "exceeded": result is not None and result.exceeded,
            }
    elif request.method == "POST":
        status = 422
    if request.method == "POST" and applicant is None:
        applicant = _picked_file(form)
    more_files = _file_choices(form, applicant, q)
    household = household_summary(
        applicant,
        form.kind.data or AidKind.LIVING,
        occasion=form.occasion.data or "",
        school_level=form.school_level.data or "",
    )
    return render_template(
        "cases/form.html",
        form=form,
        case=None,
        household=household,
        cap_check=cap_check,
        q=q,
        more_files=more_files,
    ), status


@bp.route("/new/household")
@login_required
@roles_required(Role.CASEWORKER)
def household_card():
    """The new-case form's household summary for a file and kind: cases.js swaps it in as
    the choices change (the form's "check the cap" step does the same without script)."""
    try:
        applicant = _find_file(request.args.get("file_no", "")[:40])
    except DomainError:
        applicant = None
    kind = request.args.get("kind", "")
    household = household_summary(
        applicant,
        kind if kind in set(AidKind) else AidKind.LIVING,
        occasion=request.args.get("occasion", "")[:20],
    )
    return render_template("cases/_household_card.html", household=household)


def _created(case: AidCase):
    flash(_("Case %(no)s has been opened as a draft.", no=case.case_no), "success")
    if request.form.get("then") == "submit":
        _perform(
            lambda: services.submit_case(case, acting_user=current_user),
            done=_("The case has been submitted."),
            refused=lambda err: flash(
                _("Saved, not submitted: %(why)s", why=err.message), "warning"
            ),
        )
    return _to_case(case)


@bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER)
def edit(case_id: int):
    case = _get(case_id)
    try:
        services.check_edit(case, current_user)
    except DomainError:
        flash(_("Only drafts and returned cases can be changed."), "warning")
        return redirect(url_for("cases.show", case_id=case.id))
    form = CaseForm(obj=None)
    if request.method == "GET":
        form.kind.data = case.kind
        form.file_no.data = case.applicant.file_no if case.applicant else ""
        form.reason.data = case.reason
        form.service.data = case.service_given
        form.school_level.data = case.school_level or ""
        form.occasion.data = case.occasion or ""
        form.person_name.data = case.person_name
        form.person_address.data = case.person_address
        if case.amount_requested_fen is not None:
            form.amount_requested.data = f"{case.amount_requested_fen / 100:.2f}"
        if case.self_paid_fen is not None:
            form.self_paid.data = f"{case.self_paid_fen / 100:.2f}"
    status = 200
    if form.validate_on_submit():
        data = _case_input(form, case.applicant)
        if not data.person_id and case.person_id_enc:
            data.person_id = case.person_id  # unchanged unless retyped
        outcome = _perform(
            lambda: services.update_case(case, acting_user=current_user, data=data),
            form=form,
            done=_("The case has been saved."),
        )
        if outcome.ok or outcome.stale:
            return _to_case(case)
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("cases/form.html", form=form, case=case), status


# ---------------------------------------------------------------------------- the case


@bp.route("/<int:case_id>")
@login_required
@roles_required(*READ_ROLES)
def show(case_id: int):
    return _render_show(_get(case_id))


def _render_show(case: AidCase, *, status: int = 200, attachment_form=None):
    # The users and centres of the timeline in one statement each, however many took part.
    events = db.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id)
        .options(selectinload(CaseEvent.user), selectinload(CaseEvent.centre))
    ).all()
    documents = attachments.case_attachments(case)
    evidence = decision_evidence(
        case, acting_user=current_user, timeline=False, case_documents=documents
    )
    cap = evidence.cap if case.is_open else None
    decision = case.collective_decision
    actions, blocked = services.offered_actions(case, current_user)
    return render_template(
        "cases/show.html",
        case=case,
        events=events,
        actions=actions,
        blocked=blocked,
        cap=cap,
        needs_decision=services.needs_collective_decision(case),
        minutes=attachments.minutes_of(decision) if decision else None,
        attachments=documents,
        attachment_kind_labels=ATTACHMENT_KIND_LABELS,
        can_attach=attachments.can_attach(current_user, case),
        attachment_form=attachment_form or CaseAttachmentForm(formdata=None, case=case),
        remove_form=RemoveAttachmentForm(formdata=None),
        objection_form=ObjectionForm(),
        resolve_form=ResolveForm(),
        comment_form=CommentForm(),
        evidence=evidence,
        now=utcnow(),
    ), status


@bp.route("/<int:case_id>/attachments", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def upload(case_id: int):
    case = _get(case_id)
    form = CaseAttachmentForm(case=case)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        if (refusal := input_refusal(form)) is not None:
            flash(refusal.message, "danger")
            return redirect(url_for("cases.show", case_id=case.id))
    outcome = perform(
        lambda: attachments.add_case_attachment(
            case, form.file.data, acting_user=current_user, kind=form.kind.data or ""
        ),
        form=form,
        done=_("The document has been added."),
    )
    if not outcome.ok:
        flash(outcome.error.message, "danger")
        return _render_show(case, status=outcome.status, attachment_form=form)
    return _to_case(case)


@bp.route("/<int:case_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def remove_attachment(case_id: int, attachment_id: int):
    case = _get(case_id)
    attachment, _owner = attachment_services.load_for(
        attachment_id,
        current_user,
        change=True,
        owner_type=attachments.OWNER_TYPE,
        owner_id=case.id,
    )
    form = RemoveAttachmentForm()
    if not form.validate_on_submit():
        return refuse_back(form, url_for("cases.show", case_id=case.id))
    perform(
        lambda: attachments.remove_case_attachment(
            attachment, case, acting_user=current_user, reason=form.reason.data or ""
        ),
        done=_("The document has been removed from the case."),
    )
    return _to_case(case)


@bp.route("/<int:case_id>/submit", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def submit(case_id: int):
    return _simple_action(case_id, services.submit_case, _("The case has been submitted."))


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def withdraw(case_id: int):
    return _simple_action(case_id, services.withdraw_case, _("The case has been withdrawn."))


@bp.route("/<int:case_id>/close", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def close(case_id: int):
    return _simple_action(case_id, services.close_case, _("The case has been closed."))


def _simple_action(case_id: int, service, done: str):
    case = _get(case_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was sent twice. Please try again."), "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    _perform(
        lambda: service(case, acting_user=current_user, comment=form.comment.data or ""),
        done=done,
    )
    return _to_case(case)


@bp.route("/<int:case_id>/decide/<action>", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.SUPERVISOR)
def decide(case_id: int, action: str):
    """Approve, recommend, reject or return: one page per decision, after a fresh sign-in."""
    if action not in DECISIONS:
        abort(404)
    case = _get(case_id)
    form = DecideForm()
    if request.method == "GET" and case.is_money:
        proposed = services.proposed_amount(case)
        form.amount_approved.data = f"{proposed / 100:.2f}"
    status = 200
    if form.validate_on_submit():
        comment = form.comment.data or ""

        def act() -> str:
            if action == "approve":
                decision = None
                if form.attachment.data:
                    decision = services.DecisionInput(
                        form.meeting_date.data, form.reference.data or "", form.attachment.data
                    )
                services.approve_case(
                    case,
                    acting_user=current_user,
                    amount_fen=form.amount_approved.fen,
                    comment=comment,
                    decision=decision,
                )
                return _("The case has been approved.")
            if action == "recommend":
                services.recommend_case(
                    case,
                    acting_user=current_user,
                    amount_fen=form.amount_approved.fen,
                    comment=comment,
                )
                return _(
                    "The case has been recommended to %(centre)s.", centre=case.approval_centre.name
                )
            if action == "reject":
                services.reject_case(case, acting_user=current_user, comment=comment)
                return _("The case has been rejected.")
            services.return_case(case, acting_user=current_user, comment=comment)
            return _("The case has been returned to the caseworker.")

        def refused(err: DomainError) -> None:
            apply_field_errors(form, err)
            if err.fields:
                flash(err.message, "danger")

        outcome = _perform(act, refused=refused, done=lambda message: message)
        if outcome.ok or outcome.stale:
            return _to_case(case)
        status = outcome.status
    elif request.method == "POST":
        status = 422
    try:
        services.check_decide(case, current_user, action)
        refusal = None
    except DomainError as err:
        refusal = err.message
    evidence = decision_evidence(case, acting_user=current_user)
    return render_template(
        "cases/decide.html",
        case=case,
        form=form,
        action=action,
        refusal=refusal,
        needs_decision=services.needs_collective_decision(case),
        cap=evidence.cap,
        evidence=evidence,
    ), status


# ---------------------------------------------------------------------------- objections


@bp.route("/<int:case_id>/objections", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def add_objection(case_id: int):
    case = _get(case_id)
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(_("Enter who raised the objection and what it says."), "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    _perform(
        lambda: services.record_objection(
            case,
            acting_user=current_user,
            raised_by=form.raised_by.data,
            contact=form.contact.data or "",
            content=form.content.data,
        ),
        done=_("The objection has been recorded; the case is on hold."),
    )
    return _to_case(case)


@bp.route("/<int:case_id>/objections/<int:objection_id>/resolve", methods=["POST"])
@fresh_login_required
@roles_required(Role.SUPERVISOR)
def resolve_objection(case_id: int, objection_id: int):
    case = _get(case_id)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.case_id != case.id:
        abort(404)
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision and give the reason."), "danger")
        return redirect(url_for("cases.show", case_id=case.id))
    _perform(
        lambda: services.resolve_objection(
            objection,
            acting_user=current_user,
            uphold=form.outcome.data == "uphold",
            reason=form.reason.data,
        ),
        done=_("The objection has been resolved."),
    )
    return _to_case(case)


# ---------------------------------------------------------------------------- notice


def _notice_cases(centre: Centre) -> list[AidCase]:
    stmt = (
        queries.visible_cases(current_user)
        .where(
            AidCase.status.in_((CaseStatus.IN_NOTICE, CaseStatus.ON_HOLD)),
            in_subtree(centre, AidCase.centre_id),
        )
        .order_by(AidCase.notice_started_at, AidCase.id)
    )
    return list(db.session.scalars(stmt))


def _notice_centre() -> tuple[Centre, list[Centre]]:
    centres = list(db.session.scalars(scoped_centres(current_user)))
    code = request.args.get("centre", "")
    chosen = next((c for c in centres if c.code == code), current_user.centre)
    return chosen, centres


def notice_rows(cases: list[AidCase]) -> list[dict]:
    """Plain rows for the notice: masked name, employer, kind, amount; nothing sensitive."""
    rows = []
    for case in cases:
        household = (case.snapshot or {}).get("household") or {}
        rows.append(
            {
                "case_no": case.case_no,
                "name": mask_name(household.get("name") or case.recipient_name),
                "employer": household.get("employer")
                or (case.applicant.employer if case.applicant else ""),
                "kind": KIND_LABELS[AidKind(case.kind)],
                "amount_fen": case.amount_approved_fen,
                "starts": case.notice_started_at,
                "ends": case.notice_ends_at,
                "held": case.status == CaseStatus.ON_HOLD,
                "id": case.id,
            }
        )
    return rows


@bp.route("/notices")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def notices():
    centre, centres = _notice_centre()
    rows = notice_rows(_notice_cases(centre))
    fmt = exports.requested_format()
    if fmt:
        return exports.respond("notices", rows, fmt)
    months = sorted({(to_local(r["starts"]).year, to_local(r["starts"]).month) for r in rows})
    return render_template(
        "cases/notices.html",
        centre=centre,
        centres=centres,
        rows=rows,
        # The printed notice list covers the cases whose notice began in one month.
        print_periods=[(f"{y}-{m:02d}", NoticePeriod(centre, y, m).id) for y, m in months],
    )


@bp.route("/notices/print")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def notices_print():
    centre, _centres = _notice_centre()
    rows = notice_rows(_notice_cases(centre))
    return audited(
        lambda: record(
            "case.notice_printed",
            acting_user=current_user,
            object_type="centres",
            object_id=centre.code,
            centre=centre,
            after={"cases": [r["case_no"] for r in rows]},
        ),
        lambda _row: render_template(
            "cases/notice_print.html", centre=centre, rows=rows, now=utcnow()
        ),
    )
