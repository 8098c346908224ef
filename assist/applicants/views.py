"""Pages for hardship files: list and search, registration, the file, its workflow, transfers,
and the administrators' 低保 standards."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assist.applicants import badges, labels, queries, services
from assist.applicants import exports as _exports  # noqa: F401  (registers its lists)
from assist.applicants import inbox as _inbox  # noqa: F401  (registers files and transfers)
from assist.applicants import search as _search  # noqa: F401  (files in the search box)
from assist.applicants.forms import (
    ActionForm,
    AttachmentForm,
    DeclineForm,
    FileForm,
    HomeVisitForm,
    MemberForm,
    ReviewForm,
    StandardForm,
    TransferForm,
)
from assist.applicants.models import (
    Applicant,
    Category,
    FileStatus,
    SubsistenceStandard,
    Transfer,
    TransferStatus,
)
from assist.attachments import services as attachment_services
from assist.attachments import staging
from assist.attachments.forms import RemoveAttachmentForm
from assist.attachments.models import AttachmentKind
from assist.audit import labels as audit_labels
from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.centres.scoping import get_scoped_or_404, roles_required, scoped_centres
from assist.core.crypto import decrypt, keyed_hash
from assist.core.errors import DomainError
from assist.core.forms import audited, form_refusal, input_refusal, perform, refuse_back
from assist.core.inputs import id_or_none
from assist.core.nav import Card, register_card, register_nav
from assist.core.timeutil import local_today
from assist.exports import registry as exports
from assist.extensions import db

bp = Blueprint("applicants", __name__, url_prefix="/files")
bp.record_once(lambda state: badges.init_app(state.app))  # row badges for templates
admin_bp = Blueprint("standards", __name__, url_prefix="/admin/standards")

audit_labels.register(
    actions={f"applicant.{k}": v for k, v in labels.ACTION_LABELS.items()}
    | {
        "applicant.created": _l("Registered"),
        "applicant.category_overridden": _l("Category overridden"),
        "applicant.viewed_sensitive": _l("Full ID and bank account viewed"),
        "attachment.added": _l("Attachment added"),
        "attachment.downloaded": _l("Attachment opened"),
        "attachment.removed": _l("Attachment removed"),
        "attachment.purged": _l("Staged upload purged"),
        "subsistence_standard.created": _l("低保 standard added"),
    },
    objects={
        "applicants": _l("Hardship file"),
        "file_transfers": _l("Transfer"),
        "attachments": _l("Attachment"),
        "subsistence_standards": _l("低保 standard"),
    },
    links={"applicants": lambda i: url_for("applicants.detail", applicant_id=int(i))},
    values={**labels.STATUS_LABELS, **labels.CATEGORY_LABELS},
)
register_nav(
    _l("Hardship files"), "applicants.index", roles=services.READ_ROLES, order=10, group="relief"
)
register_nav(
    _l("Transfers"),
    "applicants.transfers",
    roles=(Role.CASEWORKER, Role.SUPERVISOR),
    order=12,
    group="relief",
)
register_nav(_l("低保 standards"), "standards.index", roles=(Role.ADMIN,), order=75, group="admin")


def _load(applicant_id: int) -> Applicant:
    return get_scoped_or_404(Applicant, applicant_id, current_user)


def _centre_choices() -> list[tuple[int, str]]:
    return [
        (c.id, f"{c.code} {c.name}")
        for c in db.session.scalars(scoped_centres(current_user))
        if c.is_active
    ]


def _apply_errors(form: FileForm, err: DomainError, rows: list[int]) -> None:
    """Put service errors beside their fields, member errors beside the member's row.

    A field that already shows the form's own error keeps just that one.
    """
    top = {}
    for key, message in err.fields.items():
        if key.startswith("household."):
            _prefix, index, name = (key.split(".", 2) + ["", ""])[:3]
            try:
                target = getattr(form.members[rows[int(index)]].form, name)
            except (ValueError, IndexError, AttributeError):
                top["household"] = message
                continue
        else:
            target = getattr(form, key, None)
            if target is None:
                top[key] = message
                continue
        if not target.errors:
            target.errors = [message]
    if top:
        flash(" ".join(top.values()), "danger")


def _refusal_shown(form: FileForm, rows: list[int]):
    """How `perform` shows the household service's refusal: beside the fields, and on top."""

    def show(err: DomainError) -> None:
        _apply_errors(form, err, rows)
        flash(err.message, "danger")

    return show


def _check_everything(form: FileForm, data, rows) -> None:
    """The form refused the input's shape: add the rules' messages so all show at once."""
    try:
        services.validate_input(data)
    except DomainError as err:
        _apply_errors(form, err, rows)
    flash(_("Please correct the marked fields; nothing has been saved."), "danger")


def _member_template() -> MemberForm:
    return MemberForm(prefix="members-__i__-")


# --- list and search -----------------------------------------------------------------------


@bp.route("/")
@login_required
@roles_required(*services.READ_ROLES)
def index():
    query = queries.FileQuery.from_args(request.args)
    if queries.is_full_id(query.q):  # typed into a URL by hand: never echo it back
        query.id_hash, query.q = keyed_hash(query.q.replace(" ", "").upper()), ""
    fmt = exports.requested_format()
    if fmt:
        stmt = queries.ordered(queries.filtered(current_user, query), query.sort)
        return exports.respond("files", stmt.options(joinedload(Applicant.centre)), fmt)
    if query.is_bare_page:  # an old bookmark: pages follow a key now, not a number
        flash(
            _(
                "This link pointed to a page by its number; the list now pages from file to "
                "file, so it starts again at the first page."
            ),
            "info",
        )
        return redirect(url_for("applicants.index", **query.args(page="")))
    page = queries.search(current_user, query)
    return render_template(
        "applicants/index.html",
        page=page,
        query=query,
        centres=_centre_choices(),
        form=EmptyForm(),
        labels=labels,
        today=local_today(),
    )


@bp.route("/search", methods=["POST"])
@login_required
@roles_required(*services.READ_ROLES)
def search():
    """Turn the search form into a list URL; a full ID becomes its keyed hash, never the URL."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    query = queries.FileQuery.from_args(request.form)
    if queries.is_full_id(query.q):
        query.id_hash, query.q = keyed_hash(query.q.replace(" ", "").upper()), ""
    else:
        query.id_hash = ""
    query.page = 1
    return redirect(url_for("applicants.index", **query.args()))


# --- registration and edits ----------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER)
def create():
    form = FileForm()
    form.centre.choices = _centre_choices()
    if request.method == "GET":
        form.centre.data = current_user.centre_id
    status = 200
    duplicates: list[Applicant] = []
    # A scan sent with an earlier, refused try of this form: kept for its uploader.
    staged = (
        staging.staged_for(current_user, request.form.get("staged_consent"))
        if request.method == "POST"
        else None
    )
    if request.method == "POST" and request.form.get("unstage"):
        if form.csrf_token.validate(form) and staged is not None:
            perform(
                lambda: staging.discard(staged, acting_user=current_user),
                done=_("The uploaded scan has been removed; nothing else has changed."),
                tone="info",
            )
        form.csrf_token.errors = []
        return _registration_form(form, None, duplicates, 200)
    if form.validate_on_submit():
        data, rows = form.to_input()
        centre = get_scoped_or_404(Centre, form.centre.data, current_user, Centre.id)

        def register():
            applicant = services.register_household(data, acting_user=current_user, centre=centre)
            if _uploaded(form):
                attachment_services.store_attachment(
                    form.consent_scan.data,
                    acting_user=current_user,
                    owner_type=services.OWNER_TYPE,
                    owner=applicant,
                    kind=AttachmentKind.CONSENT,
                )
                if staged is not None:  # a new scan replaces the one kept from the refusal
                    staging.discard(staged, acting_user=current_user)
            elif staged is not None:
                staging.adopt(
                    staged,
                    acting_user=current_user,
                    owner_type=services.OWNER_TYPE,
                    owner=applicant,
                    centre=centre,
                )
            return applicant

        outcome = perform(
            register,
            fields={"file": "consent_scan"},
            refused=_refusal_shown(form, rows),
            done=lambda applicant: _(
                "File %(no)s has been opened for %(name)s.",
                no=applicant.file_no,
                name=applicant.name,
            ),
        )
        if outcome.ok:
            applicant = outcome.value
            if request.form.get("then") == "submit":
                perform(
                    lambda: services.transition(applicant, "submit", acting_user=current_user),
                    done=_("The file has been submitted for initial review."),
                    refused=lambda err: flash(
                        _("Saved, not submitted: %(why)s", why=err.message), "warning"
                    ),
                )
            return redirect(url_for("applicants.detail", applicant_id=applicant.id))
        if "held_by" in outcome.error.extra:
            duplicates = services.files_holding(data, current_user)
        status = outcome.status
        staged = _stage_upload(form, staged)
    elif request.method == "POST":
        status = 422
        _check_everything(form, *form.to_input())
        staged = _stage_upload(form, staged)
    return _registration_form(form, staged, duplicates, status)


def _uploaded(form: FileForm) -> bool:
    return bool(form.consent_scan.data and getattr(form.consent_scan.data, "filename", None))


def _stage_upload(form: FileForm, staged):
    """The form was refused: keep a scan sent with it so it need not be chosen again."""
    if not _uploaded(form) or form.consent_scan.errors:
        return staged

    def stage():
        kept = staging.stage(
            form.consent_scan.data, acting_user=current_user, kind=AttachmentKind.CONSENT
        )
        if staged is not None:
            staging.discard(staged, acting_user=current_user)
        return kept

    def refused(err: DomainError) -> None:
        form.consent_scan.errors = [err.fields.get("file", err.message)]

    outcome = perform(stage, refused=refused)
    if outcome.ok:
        return outcome.value
    return staging.staged_for(current_user, staged.id) if staged is not None else None


def _registration_form(form: FileForm, staged, duplicates, status: int):
    return render_template(
        "applicants/form.html",
        form=form,
        applicant=None,
        member_template=_member_template(),
        labels=labels,
        duplicates=duplicates,
        staged=staged,
    ), status


@bp.route("/<int:applicant_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER)
def edit(applicant_id: int):
    applicant = _load(applicant_id)
    form = FileForm()
    del form.centre
    del form.consent_scan
    if request.method == "GET":
        form.fill_from(services.input_from(applicant))
    status = 200
    if form.validate_on_submit():
        data, rows = form.to_input()

        outcome = perform(
            lambda: services.update_household(applicant, data, acting_user=current_user),
            refused=_refusal_shown(form, rows),
            done=lambda reassessed: (
                _("The file has been saved and re-assessed; the earlier assessment is kept.")
                if reassessed
                else _("The file has been saved.")
            ),
        )
        if outcome.ok:
            return redirect(url_for("applicants.detail", applicant_id=applicant.id))
        status = outcome.status
    elif request.method == "POST":
        status = 422
        _check_everything(form, *form.to_input())
    return render_template(
        "applicants/form.html",
        form=form,
        applicant=applicant,
        member_template=_member_template(),
        labels=labels,
    ), status


# --- the file ------------------------------------------------------------------------------


def _render_detail(applicant: Applicant, *, reveal: bool = False, status: int = 200, **forms):
    latest = applicant.latest_assessment
    transfers = list(
        db.session.scalars(
            select(Transfer)
            .where(Transfer.applicant_id == applicant.id)
            .order_by(Transfer.id.desc())
        )
    )
    to_centres = [
        (c.id, f"{c.code} {c.name}")
        for c in db.session.scalars(
            select(Centre).where(Centre.is_active.is_(True)).order_by(Centre.code)
        )
        if c.id != applicant.centre_id
    ]
    transfer_form = forms.pop("transfer_form", None) or TransferForm(formdata=None)
    transfer_form.to_centre.choices = to_centres
    actions, blocked = services.offered_actions(applicant, current_user)
    context = {
        "applicant": applicant,
        "latest": latest,
        "reveal": reveal,
        "health_notes": decrypt(applicant.health_notes_enc) if reveal else "",
        "actions": actions,
        "blocked": blocked,
        "action_form": forms.pop("action_form", None) or ActionForm(formdata=None),
        "visit_form": forms.pop("visit_form", None) or HomeVisitForm(formdata=None),
        "review_form": forms.pop("review_form", None) or ReviewForm(formdata=None),
        "attachment_form": forms.pop("attachment_form", None) or AttachmentForm(formdata=None),
        "remove_form": RemoveAttachmentForm(formdata=None),
        "transfer_form": transfer_form,
        "button_form": EmptyForm(),
        "attachments": attachment_services.attachments_of(services.OWNER_TYPE, applicant.id),
        "can_attach": current_user.has_role(Role.CASEWORKER)
        and applicant.status not in services.CLOSED_STATES,
        "transfers": transfers,
        "pending_transfer": next(
            (t for t in transfers if t.status == TransferStatus.PENDING), None
        ),
        "notice_ends_on": services.notice_ends_on(applicant),
        "can_reveal": current_user.has_role(*services.SENSITIVE_ROLES),
        "can_override": "override" in actions,
        "labels": labels,
        "today": local_today(),
        "Role": Role,
        "FileStatus": FileStatus,
        "Category": Category,
        "editable": applicant.status in services.EDITABLE_STATES,
    }
    return render_template("applicants/detail.html", **context), status


@bp.route("/<int:applicant_id>")
@login_required
@roles_required(*services.READ_ROLES)
def detail(applicant_id: int):
    return _render_detail(_load(applicant_id))


@bp.route("/<int:applicant_id>/reveal", methods=["POST"])
@login_required
@roles_required(*services.SENSITIVE_ROLES)
def reveal(applicant_id: int):
    """Show the full IDs, bank account and health details once; the view is audited."""
    applicant = _load(applicant_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return audited(
        lambda: services.reveal_sensitive(applicant, acting_user=current_user),
        lambda _value: _render_detail(applicant, reveal=True),
    )


def _act(applicant: Applicant, action, done, **forms):
    """Run the file's one service call: commit and show the file, or show why not.

    `done` is the message, or a function giving it once the action has run."""
    outcome = perform(
        action,
        refused=lambda err: None,  # the file's page shows it, beside the form that sent it
        done=lambda _value: done() if callable(done) else done,
    )
    if not outcome.ok:
        return _refused(applicant, outcome.error, **forms)
    return redirect(url_for("applicants.detail", applicant_id=applicant.id))


def _refused(applicant: Applicant, err: DomainError, **forms):
    """Show the file again with the refusal (a service's, or a form's before any service ran:
    the rollback then drops whatever the request loaded, and the file is read as stored)."""
    db.session.rollback()
    db.session.refresh(applicant)
    for form in forms.values():
        for name, message in err.fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*list(field.errors or []), message]
    flash(err.message, "danger")
    return _render_detail(applicant, status=err.status, **forms)


@bp.route("/<int:applicant_id>/actions/<action>", methods=["POST"])
@fresh_login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def act(applicant_id: int, action: str):
    applicant = _load(applicant_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _refused(applicant, form_refusal(form), action_form=form)
    return _act(
        applicant,
        lambda: services.transition(
            applicant,
            action,
            acting_user=current_user,
            reason=form.reason.data or "",
            category=form.category.data or None,
        ),
        lambda: _(
            "%(action)s: done. The file is now “%(state)s”.",
            action=labels.ACTION_LABELS[action],
            state=labels.STATUS_LABELS[FileStatus(applicant.status)],
        ),
        action_form=form,
    )


@bp.route("/<int:applicant_id>/override", methods=["POST"])
@fresh_login_required
@roles_required(Role.SUPERVISOR)
def override(applicant_id: int):
    applicant = _load(applicant_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _refused(applicant, form_refusal(form), action_form=form)
    return _act(
        applicant,
        lambda: services.override_category(
            applicant,
            acting_user=current_user,
            category=form.category.data or "",
            reason=form.reason.data or "",
        ),
        _("The category has been overridden; the reason is recorded."),
        action_form=form,
    )


@bp.route("/<int:applicant_id>/visits", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def add_visit(applicant_id: int):
    applicant = _load(applicant_id)
    form = HomeVisitForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _refused(
            applicant,
            DomainError(_("Please correct the marked fields; nothing has been saved."), fields={}),
            visit_form=form,
        )

    def record_visit():
        return services.add_home_visit(
            applicant,
            acting_user=current_user,
            visited_on=form.visited_on.date,
            visitors=form.visitors.data or "",
            findings=form.findings.data or "",
        )

    if request.form.get("then") != "complete_visit":
        return _act(
            applicant, record_visit, _("The home visit has been recorded."), visit_form=form
        )
    # The visit stays recorded whatever the next step says.
    recorded = perform(record_visit, refused=lambda err: None)
    if not recorded.ok:
        return _refused(applicant, recorded.error, visit_form=form)
    return _act(
        applicant,
        lambda: services.transition(applicant, "complete_visit", acting_user=current_user),
        _("The home visit has been recorded and the file sent to final review."),
    )


@bp.route("/<int:applicant_id>/review", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def review(applicant_id: int):
    applicant = _load(applicant_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _refused(applicant, form_refusal(form), review_form=form)
    return _act(
        applicant,
        lambda: services.record_review(
            applicant, acting_user=current_user, note=form.note.data or ""
        ),
        _("The yearly review has been recorded."),
        review_form=form,
    )


@bp.route("/<int:applicant_id>/attachments", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def upload(applicant_id: int):
    applicant = _load(applicant_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        if (refusal := input_refusal(form)) is not None:
            return _refused(applicant, refusal, attachment_form=form)
    return _act(
        applicant,
        lambda: attachment_services.store_attachment(
            form.file.data,
            acting_user=current_user,
            owner_type=services.OWNER_TYPE,
            owner=applicant,
            kind=form.kind.data or "",
        ),
        _("The document has been added."),
        attachment_form=form,
    )


@bp.route("/<int:applicant_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def remove_attachment(applicant_id: int, attachment_id: int):
    applicant = _load(applicant_id)
    attachment, owner = attachment_services.load_for(
        attachment_id,
        current_user,
        change=True,
        owner_type=services.OWNER_TYPE,
        owner_id=applicant.id,
    )
    form = RemoveAttachmentForm()
    if not form.validate_on_submit():
        return _refused(applicant, form_refusal(form))
    return _act(
        applicant,
        lambda: attachment_services.remove_attachment(
            attachment, owner, acting_user=current_user, reason=form.reason.data or ""
        ),
        _("The document has been removed from the file."),
    )


# --- transfers -----------------------------------------------------------------------------


@bp.route("/<int:applicant_id>/transfer", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def request_transfer(applicant_id: int):
    applicant = _load(applicant_id)
    form = TransferForm()
    form.to_centre.choices = [(c.id, c.code) for c in db.session.scalars(select(Centre))]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        if (refusal := input_refusal(form)) is not None:
            return _refused(applicant, refusal, transfer_form=form)
    return _act(
        applicant,
        lambda: services.request_transfer(
            applicant,
            acting_user=current_user,
            to_centre=db.session.get(Centre, id_or_none(form.to_centre.data) or 0),
            reason=form.reason.data or "",
            note=form.note.data or "",
        ),
        _("The transfer has been requested; the receiving centre decides."),
        transfer_form=form,
    )


@bp.route("/transfers")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def transfers():
    from sqlalchemy.orm import joinedload

    from assist.centres.scoping import in_scope

    base = select(Transfer).options(
        joinedload(Transfer.applicant),
        joinedload(Transfer.from_centre),
        joinedload(Transfer.to_centre),
    )
    incoming = db.session.scalars(
        base.where(in_scope(current_user, Transfer.to_centre_id))
        .order_by((Transfer.status == TransferStatus.PENDING).desc(), Transfer.id.desc())
        .limit(100)
    ).all()
    outgoing = db.session.scalars(
        base.where(in_scope(current_user, Transfer.from_centre_id))
        .order_by(Transfer.id.desc())
        .limit(100)
    ).all()
    fmt = exports.requested_format()
    if fmt:
        both = base.where(
            in_scope(current_user, Transfer.to_centre_id)
            | in_scope(current_user, Transfer.from_centre_id)
        )
        return exports.respond("transfers", both.order_by(Transfer.id.desc()), fmt)
    return render_template(
        "applicants/transfers.html",
        incoming=incoming,
        outgoing=outgoing,
        labels=labels,
        form=EmptyForm(),
        decline_form=DeclineForm(formdata=None),
    )


def _load_transfer(transfer_id: int, side) -> Transfer:
    return get_scoped_or_404(Transfer, transfer_id, current_user, side)


@bp.route("/transfers/<int:transfer_id>/<decision>", methods=["POST"])
@fresh_login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR)
def decide_transfer(transfer_id: int, decision: str):
    if decision not in ("accept", "decline", "withdraw"):
        abort(404)
    side = Transfer.from_centre_id if decision == "withdraw" else Transfer.to_centre_id
    transfer = _load_transfer(transfer_id, side)
    form = DeclineForm()
    if not form.validate_on_submit():
        return refuse_back(form, url_for("applicants.transfers"))

    def decide() -> str:
        if decision == "accept":
            services.accept_transfer(transfer, acting_user=current_user)
            return _("The file %(no)s is now held by your centre.", no=transfer.applicant.file_no)
        if decision == "decline":
            services.decline_transfer(transfer, acting_user=current_user, reason=form.reason.data)
            return _("The transfer has been declined.")
        services.withdraw_transfer(transfer, acting_user=current_user)
        return _("The transfer has been withdrawn.")

    perform(decide, done=lambda message: message)
    return redirect(url_for("applicants.transfers"))


# --- 低保 standards (administrators) ------------------------------------------------------


@admin_bp.route("/", methods=["GET", "POST"], endpoint="index")
@fresh_login_required
@roles_required(Role.ADMIN)
def standards_index():
    form = StandardForm()
    status = 200
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.add_standard(
                acting_user=current_user,
                region_code=form.region_code.data or "",
                region_name=form.region_name.data or "",
                monthly_fen=form.monthly.fen,
                effective_from=form.effective_from.date,
            ),
            form=form,
            done=lambda standard: _(
                "The standard for %(region)s from %(date)s has been recorded.",
                region=standard.region_name,
                date=standard.effective_from.isoformat(),
            ),
        )
        if outcome.ok:
            return redirect(url_for("standards.index"))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    rows = db.session.scalars(
        select(SubsistenceStandard).order_by(
            SubsistenceStandard.region_code, SubsistenceStandard.effective_from.desc()
        )
    ).all()
    today = local_today()
    in_force = {}
    for row in rows:
        if row.effective_from <= today and row.region_code not in in_force:
            in_force[row.region_code] = row.id
    return render_template(
        "applicants/standards.html", form=form, rows=rows, in_force=set(in_force.values())
    ), status


# --- landing-page figures ------------------------------------------------------------------


def _cards(user) -> list[Card]:
    if not user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        return []
    today = local_today()
    cards = []
    overdue = queries.count(
        user, Applicant.status == FileStatus.ACTIVE, Applicant.review_due_on < today
    )
    cards.append(
        Card(
            _("Yearly reviews overdue"),
            str(overdue),
            url_for("applicants.index", overdue=1, sort="review_due"),
            note=_(
                "%(n)d more due within 30 days",
                n=queries.count(
                    user,
                    Applicant.status == FileStatus.ACTIVE,
                    Applicant.review_due_on >= today,
                    Applicant.review_due_on <= today + timedelta(days=services.REVIEW_WARNING_DAYS),
                ),
            ),
            tone="danger" if overdue else "primary",
        )
    )
    return cards


register_card(_cards, order=10)
