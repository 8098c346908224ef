"""Funds pages: balances, allocations, the ledger, reconciliation, payments and batches."""

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from assist.audit import labels as audit_labels
from assist.audit.services import record
from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.cases.models import AidCase, AidKind
from assist.centres.models import Centre
from assist.centres.scoping import (
    get_scoped_or_404,
    not_found,
    roles_required,
    scoped,
    scoped_centres,
    subtree_ids,
)
from assist.core.errors import DomainError
from assist.core.forms import apply_field_errors, audited, day_arg, int_arg, perform
from assist.core.money import format_yuan
from assist.core.nav import Card, register_card, register_nav
from assist.core.pagination import paginate
from assist.core.timeutil import local_to_utc, local_today
from assist.exports import registry as exports
from assist.extensions import db
from assist.funds import badges, batches, checks, queries, services
from assist.funds import exports as ledger_exports
from assist.funds import inbox as _inbox  # noqa: F401  (registers the cases to pay)
from assist.funds import search as _search  # noqa: F401  (payments in the search box)
from assist.funds.forms import (
    AllocateForm,
    BatchAddForm,
    BatchForm,
    BatchPayForm,
    FundForm,
    PaymentForm,
    ReceiveForm,
    ReturnForm,
    ReverseForm,
)
from assist.funds.labels import (
    BATCH_STATUS_HELP,
    BATCH_STATUS_LABELS,
    CASE_STATUS_HELP,
    CASE_STATUS_LABELS,
    ENTRY_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    PAYMENT_STATUS_HELP,
    PAYMENT_STATUS_LABELS,
    SOURCE_LABELS,
    label,
)
from assist.funds.models import (
    BatchItem,
    BatchStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentBatch,
    PaymentMethod,
)
from assist.funds.reconcile import balance_lines

bp = Blueprint("funds", __name__, url_prefix="/funds")
bp.record_once(lambda state: badges.init_app(state.app))  # row badges for templates

READERS = (Role.FINANCE, Role.AUDITOR, Role.ADMIN)

audit_labels.register(
    actions={
        "fund.created": _l("Fund opened"),
        "fund.received": _l("Money received"),
        "fund.allocated": _l("Money allocated"),
        "fund.returned": _l("Money returned up"),
        "payment.created": _l("Payment made"),
        "payment.reversed": _l("Payment reversed"),
        "batch.created": _l("Batch created"),
        "batch.case_added": _l("Case added to a batch"),
        "batch.case_removed": _l("Case removed from a batch"),
        "batch.paid": _l("Batch paid"),
        "batch.cancelled": _l("Batch cancelled"),
    },
    objects={
        "funds": _l("Fund"),
        "payments": _l("Payment"),
        "payment_batches": _l("Payment batch"),
        "ledger_entries": _l("Ledger"),
    },
    links={
        "funds": lambda i: url_for("funds.show", fund_id=int(i)),
        "payments": lambda i: url_for("funds.payment", payment_id=int(i)),
        "payment_batches": lambda i: url_for("funds.batch", batch_id=int(i)),
    },
    values={**METHOD_LABELS, **PAYMENT_STATUS_LABELS},
    fields={
        "payment": _l("Payment"),
        "entry": _l("Ledger row"),
        "method": _l("Method"),
        "case": _l("Case"),
        "fund": _l("Fund"),
        "batch": _l("Batch"),
    },
)
register_nav(_l("To pay"), "funds.to_pay", roles=(Role.FINANCE,), order=40, group="relief")
register_nav(_l("Funds"), "funds.index", roles=READERS, order=45, group="relief")
register_nav(_l("Ledger"), "funds.ledger", roles=READERS, order=46, group="relief")


@bp.app_context_processor
def _labels():
    return {
        "fund_labels": {
            "source": SOURCE_LABELS,
            "entry": ENTRY_LABELS,
            "method": METHOD_LABELS,
            "payment_status": PAYMENT_STATUS_LABELS,
            "batch_status": BATCH_STATUS_LABELS,
            "case_status": CASE_STATUS_LABELS,
            "kind": KIND_LABELS,
        },
        "fund_label": label,
        "fund_help": {
            "payment_status": PAYMENT_STATUS_HELP,
            "batch_status": BATCH_STATUS_HELP,
            "case_status": CASE_STATUS_HELP,
        },
    }


def _fund(fund_id: int):
    fund = queries.get_fund(current_user, fund_id)
    if fund is None:
        raise not_found()
    return fund


def _year_arg() -> int | None:
    return int_arg(request.args, "year")


# --- funds ---------------------------------------------------------------------------------


@bp.route("/")
@login_required
def home():
    return redirect(url_for("funds.index"))


@bp.route("/balances")
@login_required
@roles_required(*READERS)
def index():
    year = _year_arg()
    lines = balance_lines(subtree_ids(current_user), year=year)
    funds = queries.visible_funds(current_user, year)
    years = sorted({f.year for f in queries.visible_funds(current_user)}, reverse=True)
    by_fund: dict[int, list] = {}
    for line in lines:
        by_fund.setdefault(line.fund.id, []).append(line)
    return render_template("funds/index.html", funds=funds, by_fund=by_fund, years=years, year=year)


@bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def create():
    form = FundForm()
    if request.method == "GET":
        form.year.data = local_today().year
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.create_fund(
                acting_user=current_user,
                name=form.name.data,
                source=form.source.data,
                year=form.year.data,
                allowed_kinds=form.allowed_kinds.data,
                note=form.note.data or "",
            ),
            form=form,
            done=lambda fund: _("The fund %(name)s has been opened.", name=fund.name),
        )
        if outcome.ok:
            fund = outcome.value
            return redirect(url_for("funds.show", fund_id=fund.id))
    return render_template("funds/new.html", form=form), 422 if form.errors else 200


def _fund_forms(fund):
    receive = ReceiveForm(prefix="receive")
    allocate = AllocateForm(prefix="allocate")
    allocate.centre.choices = [
        (c.id, f"{c.code} {c.name}") for c in current_user.centre.children if c.is_active
    ]
    give_back = ReturnForm(prefix="return")
    return receive, allocate, give_back


def _render_fund(fund, forms=None, status: int = 200):
    receive, allocate, give_back = forms or _fund_forms(fund)
    scope = subtree_ids(current_user)
    lines = balance_lines(scope, fund_id=fund.id)
    own = next((ln for ln in lines if ln.centre.id == current_user.centre_id), None)
    recent = db.session.scalars(
        scoped(select(LedgerEntry), current_user, LedgerEntry.centre_id)
        .where(LedgerEntry.fund_id == fund.id)
        .order_by(LedgerEntry.id.desc())
        .limit(15)
    ).all()
    is_finance = current_user.has_role(Role.FINANCE)
    return render_template(
        "funds/show.html",
        fund=fund,
        lines=lines,
        own=own,
        recent=recent,
        receive_form=receive,
        allocate_form=allocate,
        return_form=give_back,
        can_receive=is_finance and current_user.centre_id == fund.centre_id,
        can_allocate=is_finance and bool(allocate.centre.choices) and own is not None,
        can_return=is_finance
        and own is not None
        and current_user.centre_id != fund.centre_id
        and current_user.centre.parent is not None,
    ), status


@bp.route("/<int:fund_id>")
@login_required
@roles_required(*READERS)
def show(fund_id: int):
    return _render_fund(_fund(fund_id))


def _money_action(fund, form, action, done):
    """Run one money movement from a fund page form: PRG on success, re-render on refusal."""
    forms = _fund_forms(fund)
    index = {"receive": 0, "allocate": 1, "return": 2}[form]
    active = forms[index]
    if not active.validate_on_submit():
        return _render_fund(fund, forms, 422)
    outcome = perform(lambda: action(active), form=active, done=done)
    if not outcome.ok:
        return _render_fund(fund, forms, outcome.status)
    return redirect(url_for("funds.show", fund_id=fund.id))


@bp.route("/<int:fund_id>/receive", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def receive(fund_id: int):
    fund = _fund(fund_id)
    return _money_action(
        fund,
        "receive",
        lambda f: services.receive_funds(
            fund,
            acting_user=current_user,
            amount_fen=f.amount.fen,
            reference=f.reference.data,
            note=f.note.data or "",
        ),
        _("The money received has been booked."),
    )


@bp.route("/<int:fund_id>/allocate", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def allocate(fund_id: int):
    fund = _fund(fund_id)

    def act(f):
        target = get_scoped_or_404(Centre, f.centre.data, current_user, Centre.id)
        services.allocate(
            fund,
            acting_user=current_user,
            to_centre=target,
            amount_fen=f.amount.fen,
            note=f.note.data or "",
        )

    return _money_action(fund, "allocate", act, _("The allocation has been booked."))


@bp.route("/<int:fund_id>/return", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def return_up(fund_id: int):
    fund = _fund(fund_id)
    return _money_action(
        fund,
        "return",
        lambda f: services.return_up(
            fund, acting_user=current_user, amount_fen=f.amount.fen, reason=f.reason.data
        ),
        _("The return has been booked."),
    )


# --- ledger and reconciliation -------------------------------------------------------------


def _ledger_file(entries, export: str) -> Response:
    stamp = local_today().strftime("%Y%m%d")
    if export == "csv":
        body, mime = ledger_exports.to_csv(entries), "text/csv; charset=utf-8"
    else:
        body = ledger_exports.to_xlsx(entries)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mime,
        headers={"Content-Disposition": f"attachment; filename=ledger-{stamp}.{export}"},
    )


@bp.route("/ledger")
@login_required
@roles_required(*READERS)
def ledger():
    stmt = queries.ledger_stmt(current_user, request.args)
    export = request.args.get("export") or request.args.get("format")
    if export in ("csv", "xlsx"):

        def audit():
            entries = db.session.scalars(stmt.order_by(LedgerEntry.id)).all()
            record(
                "ledger.exported",
                acting_user=current_user,
                object_type="ledger_entries",
                centre=current_user.centre,
                after={"format": export, "rows": len(entries), "filters": request.args.to_dict()},
            )
            return entries

        return audited(audit, lambda entries: _ledger_file(entries, export))
    page = paginate(stmt, per_page=50, key=LedgerEntry.id)
    return render_template(
        "funds/ledger.html",
        page=page,
        args=request.args,
        export_args={k: v for k, v in request.args.items() if k not in ("page", "export")},
        funds=queries.visible_funds(current_user),
        centres=db.session.scalars(scoped_centres(current_user)).all(),
        kinds=list(EntryKind),
    )


@bp.route("/reconciliation")
@login_required
@roles_required(*READERS)
def reconciliation():
    """The latest stored ledger check, for the reader's centres; the check runs in the background."""
    scope = subtree_ids(current_user)
    check = checks.latest_check()
    pending = checks.pending_check()
    if check is None and pending is None:
        perform(checks.request_check)  # the first visit starts the first check
        check = checks.latest_check()
        pending = checks.pending_check()
    lines = checks.lines_in_scope(check, scope)
    return render_template(
        "funds/reconciliation.html",
        check=check,
        pending=pending,
        lines=lines,
        differences=checks.differences_in_scope(check, scope),
        ledger_total=sum(ln.ledger_fen for ln in lines),
        balance_total=sum(ln.balance_fen or 0 for ln in lines),
        form=EmptyForm(),
    )


@bp.route("/reconciliation/run", methods=["POST"])
@login_required
@roles_required(*READERS)
def run_reconciliation():
    if not EmptyForm().validate_on_submit():
        abort(400)

    def request_check():
        job = checks.request_check()
        record(
            "ledger.check_requested",
            acting_user=current_user,
            object_type="background_jobs",
            object_id=job.id,
            centre=current_user.centre,
        )

    perform(
        request_check,
        done=_("The ledger check has been queued; its result appears here when it ends."),
        tone="info",
    )
    return redirect(url_for("funds.reconciliation"))


# --- payments ------------------------------------------------------------------------------


@bp.route("/to-pay")
@login_required
@roles_required(Role.FINANCE, Role.AUDITOR)
def to_pay():
    stmt = queries.ready_to_pay_stmt(current_user).options(joinedload(AidCase.centre))
    # Oldest approval first; a payable case was approved, the creation time stands in otherwise.
    waited = func.coalesce(AidCase.approved_at, AidCase.created_at)
    page = paginate(stmt, per_page=50, key=(waited, AidCase.id), ascending=True)
    count, remaining = queries.ready_to_pay_totals(current_user)
    return render_template("funds/to_pay.html", page=page, count=count, remaining=remaining)


def _source_choices(sources):
    return [
        (
            s.key,
            f"{s.fund.year} {s.fund.name} · {s.centre.name} · ¥{format_yuan(s.balance_fen)}",
        )
        for s in sources
    ]


@bp.route("/cases/<int:case_id>/pay", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def pay(case_id: int):
    case = get_scoped_or_404(AidCase, case_id, current_user)
    sources = queries.payable_sources(case, current_user)
    form = PaymentForm()
    form.source.choices = _source_choices(sources)
    if case.kind == AidKind.MUTUAL_AID:  # offered only what can succeed: the member's card
        form.method.choices = [
            c for c in form.method.choices if c[0] == PaymentMethod.BANK_TRANSFER
        ]
    remaining = case.unpaid_fen
    if request.method == "GET":
        form.idempotency_key.data = services.new_idempotency_key()
        form.amount.data = format_yuan(remaining).replace(",", "")
        form.method.data = (
            PaymentMethod.BANK_TRANSFER
            if case.payee_account_last4
            or (case.applicant is not None and case.applicant.bank_account_last4)
            else PaymentMethod.CASH
        )
        form.signed_by.data = case.recipient_name
        form.signed_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        source = next((s for s in sources if s.key == form.source.data), None)
        if source is None:
            abort(400)
        outcome = perform(
            lambda: services.pay_case(
                case,
                acting_user=current_user,
                fund=source.fund,
                centre=source.centre,
                amount_fen=form.amount.fen,
                idempotency_key=form.idempotency_key.data,
                details=services.PaymentDetails(
                    method=form.method.data,
                    reference=form.reference.data or "",
                    signed_by=form.signed_by.data or "",
                    signed_on=form.signed_on.data,
                    items=_items(form),
                    note=form.note.data or "",
                ),
            ),
            form=form,
        )
        status = outcome.status
        if outcome.ok:
            payment, created = outcome.value
            if created:
                flash(
                    _("¥%(amount)s has been paid.", amount=format_yuan(payment.amount_fen)),
                    "success",
                )
            else:
                flash(_("This payment had already been recorded; nothing was paid twice."), "info")
            return redirect(url_for("funds.payment", payment_id=payment.id))
    elif request.method == "POST":
        status = 422
    applicant = case.applicant
    payments = db.session.scalars(
        select(Payment).where(Payment.case_id == case.id).order_by(Payment.id)
    ).all()
    return render_template(
        "funds/pay.html",
        case=case,
        form=form,
        sources=sources,
        remaining=remaining,
        applicant=applicant,
        payments=payments,
        is_approver=case.approved_by_id == current_user.id,
    ), status


def _items(form: PaymentForm) -> list[dict] | None:
    if form.method.data != PaymentMethod.IN_KIND:
        return None
    items = []
    for entry in form.items.entries:
        sub = entry.form
        if not (sub.name.data or "").strip():
            continue
        items.append(
            {
                "name": sub.name.data,
                "quantity": sub.quantity.data,
                "unit_value_fen": sub.unit_value.fen,
            }
        )
    return items


@bp.route("/payments")
@login_required
@roles_required(*READERS)
def payments():
    stmt = scoped(select(Payment), current_user, Payment.centre_id).options(
        joinedload(Payment.case),
        joinedload(Payment.centre),
        joinedload(Payment.fund),
        joinedload(Payment.paid_by),
    )
    if request.args.get("status") in ("paid", "reversed"):
        stmt = stmt.where(Payment.status == request.args["status"])
    if request.args.get("method") in set(PaymentMethod):
        stmt = stmt.where(Payment.method == request.args["method"])
    start, end = day_arg(request.args, "from"), day_arg(request.args, "to")
    if start:
        stmt = stmt.where(Payment.paid_at >= local_to_utc(start))
    if end:
        stmt = stmt.where(Payment.paid_at < local_to_utc(end + timedelta(days=1)))
    stmt = stmt.options(
        joinedload(Payment.case),
        joinedload(Payment.fund),
        joinedload(Payment.centre),
        joinedload(Payment.paid_by),
    )
    fmt = exports.requested_format()
    if fmt:
        return exports.respond("payments", stmt.order_by(Payment.id.desc()), fmt)
    page = paginate(stmt, per_page=50, key=Payment.id)
    return render_template("funds/payments.html", page=page, args=request.args)


@bp.route("/payments/<int:payment_id>")
@login_required
@roles_required(*READERS)
def payment(payment_id: int):
    payment = get_scoped_or_404(Payment, payment_id, current_user)
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.payment_id == payment.id).order_by(LedgerEntry.id)
    ).all()
    reverse_refusal = pay_refusal = None
    try:
        services.check_reverse(payment, acting_user=current_user)
    except DomainError as err:
        reverse_refusal = err.message
    try:
        services.check_pay(payment.case, acting_user=current_user)
    except DomainError as err:
        pay_refusal = err.message
    return render_template(
        "funds/payment.html",
        payment=payment,
        entries=entries,
        form=ReverseForm(),
        can_reverse=reverse_refusal is None,
        reverse_refusal=reverse_refusal if current_user.has_role(Role.FINANCE) else None,
        can_pay=current_user.has_role(Role.FINANCE) and pay_refusal is None,
    )


@bp.route("/payments/<int:payment_id>/reverse", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def reverse(payment_id: int):
    payment = get_scoped_or_404(Payment, payment_id, current_user)
    form = ReverseForm()
    if form.validate_on_submit():
        perform(
            lambda: services.reverse_payment(
                payment, acting_user=current_user, reason=form.reason.data
            ),
            done=_("The payment has been reversed; the case can be paid again."),
        )
    else:
        flash(_("Give the reason for the reversal."), "danger")
    return redirect(url_for("funds.payment", payment_id=payment.id))


# --- batches -------------------------------------------------------------------------------


@bp.route("/batches")
@login_required
@roles_required(*READERS)
def batch_list():
    stmt = scoped(select(PaymentBatch), current_user, PaymentBatch.centre_id)
    fmt = exports.requested_format()
    if fmt:
        options = (selectinload(PaymentBatch.items), joinedload(PaymentBatch.fund))
        return exports.respond("batches", stmt.options(*options).order_by(PaymentBatch.id), fmt)
    page = paginate(stmt, per_page=50, key=PaymentBatch.id)
    return render_template("funds/batches.html", page=page)


@bp.route("/batches/new", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_new():
    form = BatchForm()
    sources = queries.centre_sources(current_user)
    form.source.choices = _source_choices(sources)
    if form.validate_on_submit():
        source = next((s for s in sources if s.key == form.source.data), None)
        if source is None:
            abort(400)
        outcome = perform(
            lambda: batches.create_batch(
                acting_user=current_user,
                title=form.title.data,
                fund=source.fund,
                centre=source.centre,
                method=form.method.data,
                goods=form.goods.data or "",
                note=form.note.data or "",
            ),
            form=form,
            done=lambda batch: _("Batch %(no)s has been started.", no=batch.batch_no),
        )
        if outcome.ok:
            batch = outcome.value
            return redirect(url_for("funds.batch", batch_id=batch.id))
    return render_template("funds/batch_new.html", form=form), 422 if form.errors else 200


def _batch(batch_id: int) -> PaymentBatch:
    return get_scoped_or_404(PaymentBatch, batch_id, current_user)


def _render_batch(batch, *, blocking=None, pay_form=None, status=200):
    # The items' cases and centres in one query, not one per row.
    db.session.scalars(
        select(BatchItem)
        .where(BatchItem.batch_id == batch.id)
        .options(joinedload(BatchItem.case).joinedload(AidCase.centre))
    ).all()
    add_form = BatchAddForm()
    eligible = (
        batches.eligible_cases(batch, current_user) if batch.status == BatchStatus.DRAFT else []
    )
    add_form.cases.choices = [(c.id, c.case_no) for c in eligible]
    if pay_form is None:
        pay_form = BatchPayForm()
        pay_form.paid_on.data = local_today()
    return render_template(
        "funds/batch.html",
        batch=batch,
        eligible=eligible,
        add_form=add_form,
        pay_form=pay_form,
        action_form=EmptyForm(),
        blocking=blocking or [],
        can_edit=current_user.has_role(Role.FINANCE) and batch.status == BatchStatus.DRAFT,
    ), status


@bp.route("/batches/<int:batch_id>")
@login_required
@roles_required(*READERS)
def batch(batch_id: int):
    return _render_batch(_batch(batch_id))


@bp.route("/batches/<int:batch_id>/add", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_add(batch_id: int):
    batch = _batch(batch_id)
    form = BatchAddForm()
    form.cases.choices = [(c.id, c.case_no) for c in batches.eligible_cases(batch, current_user)]
    if not form.validate_on_submit():
        flash(_("Tick the cases to add."), "danger")
        return redirect(url_for("funds.batch", batch_id=batch.id))

    def add_cases() -> int:
        for case_id in form.cases.data:
            case = get_scoped_or_404(AidCase, case_id, current_user)
            batches.add_case(batch, case, acting_user=current_user)
        return len(form.cases.data)

    perform(add_cases, done=lambda added: _("%(n)d case(s) added to the batch.", n=added))
    return redirect(url_for("funds.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/items/<int:item_id>/remove", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_remove(batch_id: int, item_id: int):
    batch = _batch(batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    item = db.session.get(BatchItem, item_id)
    if item is None or item.batch_id != batch.id:
        abort(404)
    perform(
        lambda: batches.remove_item(batch, item, acting_user=current_user),
        done=_("The case has been taken out of the batch."),
    )
    return redirect(url_for("funds.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/cancel", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_cancel(batch_id: int):
    batch = _batch(batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: batches.cancel_batch(batch, acting_user=current_user),
        done=_("The batch has been cancelled."),
    )
    return redirect(url_for("funds.batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/pay", methods=["POST"])
@fresh_login_required
@roles_required(Role.FINANCE)
def batch_pay(batch_id: int):
    batch = _batch(batch_id)
    form = BatchPayForm()
    if not form.validate_on_submit():
        return _render_batch(batch, pay_form=form, status=422)

    def refused(err: DomainError) -> None:
        if isinstance(err, batches.BatchBlocked):
            flash(err.message, "danger")
        elif err.code == "already_paid":
            flash(_("This batch had already been paid; nothing was paid twice."), "info")
        else:
            apply_field_errors(form, err)

    outcome = perform(
        lambda: batches.pay_batch(
            batch,
            acting_user=current_user,
            reference=form.reference.data or "",
            paid_on=form.paid_on.data,
        ),
        refused=refused,
        done=lambda paid: _(
            "The batch has been paid: %(n)d case(s), ¥%(total)s.",
            n=len(paid),
            total=format_yuan(sum(p.amount_fen for p in paid)),
        ),
    )
    err = outcome.error
    if isinstance(err, batches.BatchBlocked):
        return _render_batch(
            _batch(batch_id), blocking=err.extra["blocking"], pay_form=form, status=409
        )
    if err is not None and err.code != "already_paid":
        return _render_batch(_batch(batch_id), pay_form=form, status=err.status)
    return redirect(url_for("funds.batch", batch_id=batch_id))


@bp.route("/batches/<int:batch_id>/roster")
@login_required
@roles_required(*READERS)
def roster(batch_id: int):
    batch = _batch(batch_id)
    return render_template("funds/roster.html", roster=batches.roster_data(batch))


# --- landing-page cards --------------------------------------------------------------------


def _finance_cards(user) -> list[Card]:
    if not user.has_role(Role.FINANCE):
        return []
    held = queries.balances_at(user, user.centre)
    return [
        Card(
            _("Available at %(centre)s", centre=user.centre.name),
            "¥" + format_yuan(sum(b for _f, b in held)),
            url_for("funds.index"),
            items=[f"{f.year} {f.name}: ¥{format_yuan(b)}" for f, b in held[:5]],
        ),
    ]


def _auditor_cards(user) -> list[Card]:
    """The stored result of the last background ledger check: no ledger work on the request."""
    if not user.has_role(Role.AUDITOR):
        return []
    check = checks.latest_check()
    if check is None:
        return [
            Card(
                _("Ledger reconciliation"),
                _("not checked yet"),
                url_for("funds.reconciliation"),
                note=_("The check runs in the background every hour."),
                tone="secondary",
            )
        ]
    differences = checks.differences_in_scope(check, subtree_ids(user))
    when = format_datetime(check.finished_at, "yyyy-MM-dd HH:mm")
    return [
        Card(
            _("Ledger reconciliation"),
            _("clean") if not differences else str(len(differences)),
            url_for("funds.reconciliation"),
            note=(
                _("ledger totals agree with the balances")
                if not differences
                else _("difference(s) to look into")
            )
            + " · "
            + _("checked %(when)s, %(rows)s rows", when=when, rows=f"{check.rows_checked:,}"),
            tone="danger" if differences else "success",
        )
    ]


register_card(_finance_cards, order=30)
register_card(_auditor_cards, order=35)
