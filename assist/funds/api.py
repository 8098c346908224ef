"""Funds and payments in the JSON API: balances, allocations, payments, reversals, the ledger."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from assist.api import api_route, created, fields, listing, require_roles
from assist.auth.models import Role
from assist.cases.models import AidCase
from assist.centres.scoping import get_scoped_or_404, subtree_ids
from assist.core.errors import NotFound, ValidationError
from assist.documents import services as documents
from assist.documents.views import pdf_response
from assist.extensions import db
from assist.funds import checks, queries, services
from assist.funds.models import EntryKind, LedgerEntry, Payment
from assist.funds.reconcile import balance_lines

TAGS = ["funds"]
READERS = (Role.FINANCE, Role.AUDITOR, Role.ADMIN)
REFUSALS = {
    "description": "Refused; error.code names the reason: insufficient_balance, over_approved, "
    "not_ready, fund_not_allowed, no_bank_account, bank_transfer_only, idempotency_key_reused, "
    "already_reversed"
}

ALLOCATION_REQUEST = fields.Schema(
    centre_code=fields.Centre(
        below=True, required=True, description="a centre directly below yours"
    ),
    amount=fields.Money(required=True),
    note=fields.Text(500),
)

GOODS_LINE = fields.Schema(
    name=fields.Text(80, required=True),
    quantity=fields.Integer(minimum=1, maximum=100_000, required=True),
    unit_value=fields.Money(required=True),
)

PAYMENT_REQUEST = fields.Schema(
    fund_id=fields.Id(required=True),
    amount=fields.Money(description="optional for goods: the goods' total value"),
    method=fields.Choice(["bank_transfer", "cash", "in_kind"], required=True),
    reference=fields.Text(100, description="bank transfer: the bank's reference"),
    idempotency_key=fields.Text(
        64,
        required=True,
        description="8–64 of A-Z a-z 0-9 _ . : -; a repeat with the same key pays once",
    ),
    centre_code=fields.Centre(
        description="the paying centre: the case's own (default) or one above it"
    ),
    signed_by=fields.Text(100, description="cash (and goods): who signed for it"),
    signed_on=fields.Day(),
    items=fields.ListOf(GOODS_LINE, max_items=50, default=None, description="goods in kind"),
    note=fields.Text(500),
)

REVERSE_REQUEST = fields.Schema(reason=fields.Text(500, required=True))

FUND_PARAMS = fields.Schema(year=fields.Integer(minimum=1900, maximum=2099))

LEDGER_FILTERS = fields.Schema(
    fund=fields.Id(description="fund id"),
    centre=fields.Text(40, description="centre code"),
    below=fields.Bool(description="with centre: include the centres below it"),
    kind=fields.Choice([k.value for k in EntryKind]),
    case=fields.Text(40, description="case number"),
    **{"from": fields.Day(), "to": fields.Day()},
    **listing.page_fields(per_page=100, max_per_page=500),
)

_money = fields.money_out


def fund_json(fund, lines=None) -> dict:
    out = {
        "id": fund.id,
        "name": fund.name,
        "source": fund.source,
        "year": fund.year,
        "allowed_kinds": fund.allowed_kinds,
        "centre_code": fund.centre.code,
    }
    if lines is not None:
        out["balances"] = [
            {
                "centre_code": ln.centre.code,
                "received": _money(ln.received_fen),
                "allocated_down": _money(ln.allocated_down_fen),
                "returned_up": _money(ln.returned_up_fen),
                "paid": _money(ln.paid_fen),
                "reversed": _money(ln.reversed_fen),
                "available": _money(ln.available_fen),
            }
            for ln in lines
        ]
    return out


def entry_json(e: LedgerEntry) -> dict:
    return {
        "id": e.id,
        "fund_id": e.fund_id,
        "centre_code": e.centre.code,
        "kind": e.kind,
        "amount": _money(e.amount_fen),
        "balance_after": _money(e.balance_after_fen),
        "counterpart_centre_code": e.counterpart_centre.code if e.counterpart_centre else None,
        "related_entry_id": e.related_entry_id,
        "case_id": e.case_id,
        "case_no": e.case.case_no if e.case else None,
        "payment_id": e.payment_id,
        "reference": e.reference,
        "note": e.note,
        "by": e.user.username if e.user else None,
        "created_at": e.created_at.isoformat(timespec="seconds") + "Z",
    }


def payment_json(p: Payment) -> dict:
    return {
        "id": p.id,
        "case_id": p.case_id,
        "case_no": p.case.case_no,
        "case_status": p.case.status,
        "case_paid": _money(p.case.paid_fen),
        "fund_id": p.fund_id,
        "centre_code": p.centre.code,
        "batch_id": p.batch_id,
        "amount": _money(p.amount_fen),
        "method": p.method,
        "status": p.status,
        "reference": p.bank_reference,
        "account_last4": p.account_last4,
        "signed_by": p.signed_by,
        "signed_on": p.signed_on.isoformat() if p.signed_on else None,
        "items": [
            {
                "name": i["name"],
                "quantity": i["quantity"],
                "unit_value": _money(i["unit_value_fen"]),
                "value": _money(i["value_fen"]),
            }
            for i in p.items or []
        ],
        "note": p.note,
        "idempotency_key": p.idempotency_key,
        "paid_by": p.paid_by.username if p.paid_by else None,
        "paid_at": p.paid_at.isoformat(timespec="seconds") + "Z",
        "reversed_by": p.reversed_by.username if p.reversed_by else None,
        "reversed_at": p.reversed_at.isoformat(timespec="seconds") + "Z" if p.reversed_at else None,
        "reversal_reason": p.reversal_reason,
    }


@api_route(
    "/funds",
    tags=TAGS,
    summary="Funds in scope with each centre's received, paid, reversed and available amounts",
    parameters=FUND_PARAMS,
)
def funds_list():
    require_roles(*READERS)
    year = FUND_PARAMS.args().year
    lines = balance_lines(subtree_ids(current_user), year=year)
    by_fund: dict[int, list] = {}
    for line in lines:
        by_fund.setdefault(line.fund.id, []).append(line)
    return jsonify(
        {
            "items": [
                fund_json(f, by_fund.get(f.id, []))
                for f in queries.visible_funds(current_user, year)
            ]
        }
    )


@api_route(
    "/funds/<int:fund_id>/allocations",
    methods=["POST"],
    tags=TAGS,
    summary="Allocate money from your centre to a centre directly below it",
    request_schema=ALLOCATION_REQUEST,
    responses={
        201: {"description": "the two ledger rows: out of your centre, into the other"},
        409: REFUSALS,
    },
)
def funds_allocate(fund_id: int):
    require_roles(Role.FINANCE)
    fund = queries.get_fund(current_user, fund_id)
    if fund is None:
        raise NotFound(_("There is no such fund in your scope."))
    body = ALLOCATION_REQUEST.body()
    out, into = services.allocate(
        fund,
        acting_user=current_user,
        to_centre=body.centre_code,
        amount_fen=body.amount,
        note=body.note,
    )
    db.session.commit()
    return created({"entries": [entry_json(out), entry_json(into)]})


@api_route(
    "/cases/<int:case_id>/payments",
    methods=["POST"],
    tags=TAGS,
    summary="Pay a ready-to-pay case; a repeat with the same idempotency key pays once",
    request_schema=PAYMENT_REQUEST,
    responses={
        201: {"description": "paid: the payment"},
        200: {"description": "the key was already used for this case: the same payment"},
        403: {"description": "not allowed; code separation_of_duties for the case's approver"},
        409: REFUSALS,
    },
)
def cases_pay(case_id: int):
    require_roles(Role.FINANCE)
    case = get_scoped_or_404(AidCase, case_id, current_user)
    body = PAYMENT_REQUEST.body()
    fund = queries.get_fund(current_user, body.fund_id)
    if fund is None:
        raise ValidationError(
            _("There is no such fund in your scope."),
            fields={"fund_id": _("There is no such fund in your scope.")},
        )
    items = None
    if "items" in body.sent and body["items"] is not None:
        items = [
            {"name": i.name, "quantity": i.quantity, "unit_value_fen": i.unit_value}
            for i in body["items"]
        ]
    details = services.PaymentDetails(
        method=body.method,
        reference=body.reference,
        signed_by=body.signed_by,
        signed_on=body.signed_on,
        items=items,
        note=body.note,
    )
    payment, is_new = services.pay_case(
        case,
        acting_user=current_user,
        fund=fund,
        amount_fen=body.amount,
        details=details,
        idempotency_key=body.idempotency_key,
        centre=body.centre_code,
    )
    db.session.commit()
    if is_new:
        return created(payment_json(payment))
    return jsonify(payment_json(payment)), 200


@api_route("/payments/<int:payment_id>", tags=TAGS, summary="One payment")
def payments_get(payment_id: int):
    require_roles(*READERS)
    return jsonify(payment_json(get_scoped_or_404(Payment, payment_id, current_user)))


@api_route(
    "/payments/<int:payment_id>/voucher.pdf",
    tags=TAGS,
    summary="The payment voucher (付款凭证) as PDF, issued and recorded like the UI's",
    responses={
        200: {
            "description": "the PDF; header X-Document-Number names the issued document",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def payments_voucher(payment_id: int):
    document, pdf = documents.issue("voucher", payment_id, acting_user=current_user)
    db.session.commit()
    return pdf_response(document, pdf)


@api_route(
    "/payments/<int:payment_id>/reverse",
    methods=["POST"],
    tags=TAGS,
    summary="Reverse a payment with a reason (a finance officer other than the payer)",
    request_schema=REVERSE_REQUEST,
    responses={
        200: {"description": "the reversed payment"},
        403: {"description": "code separation_of_duties when you made the payment"},
        409: REFUSALS,
    },
)
def payments_reverse(payment_id: int):
    require_roles(Role.FINANCE)
    payment = get_scoped_or_404(Payment, payment_id, current_user)
    body = REVERSE_REQUEST.body()
    services.reverse_payment(payment, acting_user=current_user, reason=body.reason)
    db.session.commit()
    return jsonify(payment_json(payment))


@api_route(
    "/ledger",
    tags=TAGS,
    summary="Ledger rows in scope, newest first, filtered, 100 at a time (follow `next`)",
    parameters=LEDGER_FILTERS,
    responses=listing.LIST_RESPONSE,
)
def ledger_list():
    require_roles(*READERS)
    args = LEDGER_FILTERS.args()
    clean = {
        "fund": str(args.fund or ""),
        "centre": args.centre,
        "below": "1" if args.below else "",
        "kind": args.kind,
        "case": args.case,
        "from": args["from"].isoformat() if args["from"] else "",
        "to": args.to.isoformat() if args.to else "",
    }
    stmt = queries.ledger_stmt(current_user, MultiDict(clean))
    return listing.list_response(stmt, entry_json, key=LedgerEntry.id, args=args)


@api_route(
    "/ledger/verify",
    tags=TAGS,
    summary="The latest background check of the ledger, for the centres in scope",
)
def ledger_verify():
    require_roles(*READERS)
    check = checks.latest_check()
    differences = checks.differences_in_scope(check, subtree_ids(current_user))
    return jsonify(
        {
            "checked": check is not None,
            "checked_at": check.finished_at.isoformat() + "Z" if check else None,
            "rows_checked": check.rows_checked if check else 0,
            "clean": check is not None and not differences,
            "differences": [d.as_dict() for d in differences],
        }
    )
