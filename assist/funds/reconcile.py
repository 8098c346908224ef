"""Reconciliation: the ledger against the balances, payments and cases, to the 分.

`verify_ledger()` is what `flask ledger verify` and the background check (`funds.checks`) run.
It reports every difference it finds instead of stopping at the first, and leaves the work to
the database: only the rows that disagree come back.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from assist.cases.models import AidCase
from assist.centres.models import Centre
from assist.core.money import format_yuan
from assist.extensions import db
from assist.funds.models import (
    ENTRY_SIGN,
    Balance,
    EntryKind,
    Fund,
    LedgerEntry,
    Payment,
    PaymentStatus,
)

TRANSFER_PAIRS = {
    EntryKind.ALLOCATION_IN: EntryKind.ALLOCATION_OUT,
    EntryKind.RETURN_IN: EntryKind.RETURN_OUT,
    EntryKind.TRANSFER_IN: EntryKind.TRANSFER_OUT,
}


@dataclass
class Difference:
    """One thing that does not reconcile, worded when shown (in the reader's language) from
    its code and the names it carries, so a stored check reads right in either language."""

    code: str
    fund_id: int | None = None
    centre_id: int | None = None
    expected_fen: int | None = None
    actual_fen: int | None = None
    entry_id: int | None = None
    #: Names and figures for the message: fund, centre, case number, payment id…
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return _MESSAGES[self.code](self)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "fund_id": self.fund_id,
            "centre_id": self.centre_id,
            "expected_fen": self.expected_fen,
            "actual_fen": self.actual_fen,
            "entry_id": self.entry_id,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Difference":
        return cls(
            data["code"],
            data.get("fund_id"),
            data.get("centre_id"),
            data.get("expected_fen"),
            data.get("actual_fen"),
            data.get("entry_id"),
            data.get("params") or {},
        )


def _y(fen) -> str:
    return format_yuan(fen or 0)


_MESSAGES = {
    "missing_balance": lambda d: _(
        "%(fund)s · %(centre)s: ledger rows total ¥%(ledger)s but there is no balance row.",
        fund=d.params.get("fund", ""),
        centre=d.params.get("centre", ""),
        ledger=_y(d.expected_fen),
    ),
    "balance_mismatch": lambda d: _(
        "%(fund)s · %(centre)s: the ledger gives ¥%(ledger)s, the balance row says "
        "¥%(balance)s (difference ¥%(diff)s).",
        fund=d.params.get("fund", ""),
        centre=d.params.get("centre", ""),
        ledger=_y(d.expected_fen),
        balance=_y(d.actual_fen),
        diff=_y((d.actual_fen or 0) - (d.expected_fen or 0)),
    ),
    "negative_balance": lambda d: _(
        "%(fund)s · %(centre)s: the balance is negative.",
        fund=d.params.get("fund", ""),
        centre=d.params.get("centre", ""),
    ),
    "totals_mismatch": lambda d: _(
        "%(fund)s · %(centre)s: the totals kept on the balance row differ from the ledger's.",
        fund=d.params.get("fund", ""),
        centre=d.params.get("centre", ""),
    ),
    "wrong_sign": lambda d: _("Ledger row %(id)d has the wrong sign for its kind.", id=d.entry_id),
    "running_balance": lambda d: _(
        "Ledger row %(id)d says the balance after it is ¥%(after)s; the rows before it give "
        "¥%(expected)s.",
        id=d.entry_id,
        after=_y(d.actual_fen),
        expected=_y(d.expected_fen),
    ),
    "unpaired_transfer": lambda d: (
        _(
            "Ledger row %(id)d sends ¥%(amount)s but %(n)d row(s) receive it.",
            id=d.entry_id,
            amount=_y(d.params.get("amount_fen")),
            n=d.params.get("answered", 0),
        )
        if d.params.get("side") == "sending"
        else _(
            "Ledger row %(id)d receives ¥%(amount)s without a matching sending row.",
            id=d.entry_id,
            amount=_y(d.params.get("amount_fen")),
        )
    ),
    "payment_mismatch": lambda d: (
        _(
            "Payment no. %(id)d (¥%(amount)s, %(status)s) does not match its ledger rows.",
            id=d.params.get("payment_id", 0),
            amount=_y(d.params.get("amount_fen")),
            status=d.params.get("status", ""),
        )
        if d.params.get("status")
        else _(
            "Ledger rows name payment no. %(id)d, which does not exist.",
            id=d.params.get("payment_id", 0),
        )
    ),
    "case_paid_mismatch": lambda d: _(
        "Case %(no)s records ¥%(recorded)s paid; its payments total ¥%(paid)s.",
        no=d.params.get("case_no", ""),
        recorded=_y(d.actual_fen),
        paid=_y(d.expected_fen),
    ),
    "over_approved": lambda d: _(
        "Case %(no)s is paid ¥%(paid)s, above the ¥%(approved)s approved.",
        no=d.params.get("case_no", ""),
        paid=_y(d.actual_fen),
        approved=_y(d.expected_fen),
    ),
}


@dataclass
class Line:
    """Ledger totals against the balance row, for one centre in one fund."""

    fund: Fund
    centre: Centre
    by_kind: dict = field(default_factory=dict)
    ledger_fen: int = 0
    entries: int = 0
    balance_fen: int | None = None

    @property
    def received_fen(self) -> int:
        return sum(
            self.by_kind.get(k, 0)
            for k in (
                EntryKind.RECEIPT,
                EntryKind.ALLOCATION_IN,
                EntryKind.RETURN_IN,
                EntryKind.TRANSFER_IN,
            )
        )

    @property
    def allocated_down_fen(self) -> int:
        return -self.by_kind.get(EntryKind.ALLOCATION_OUT, 0)

    @property
    def returned_up_fen(self) -> int:
        return -self.by_kind.get(EntryKind.RETURN_OUT, 0)

    @property
    def transferred_out_fen(self) -> int:
        return -self.by_kind.get(EntryKind.TRANSFER_OUT, 0)

    @property
    def paid_fen(self) -> int:
        return -self.by_kind.get(EntryKind.PAYMENT, 0)

    @property
    def reversed_fen(self) -> int:
        return self.by_kind.get(EntryKind.REVERSAL, 0)

    @property
    def available_fen(self) -> int:
        return self.balance_fen or 0

    @property
    def difference_fen(self) -> int:
        return (self.balance_fen or 0) - self.ledger_fen

    @property
    def agrees(self) -> bool:
        return self.balance_fen is not None and self.difference_fen == 0


def ledger_lines(scope=None, *, fund_id: int | None = None, year: int | None = None):
    """Per (fund, centre): ledger sums by kind, entry count and the balance row.

    `scope` is a SELECT of centre ids (`centres.scoping.subtree_ids`); None reads them all."""
    stmt = select(
        LedgerEntry.fund_id,
        LedgerEntry.centre_id,
        LedgerEntry.kind,
        func.sum(LedgerEntry.amount_fen),
        func.count(LedgerEntry.id),
    ).group_by(LedgerEntry.fund_id, LedgerEntry.centre_id, LedgerEntry.kind)
    bal_stmt = select(Balance)
    stmt = stmt.where(_within(LedgerEntry.centre_id, scope))
    bal_stmt = bal_stmt.where(_within(Balance.centre_id, scope))
    if fund_id is not None:
        stmt = stmt.where(LedgerEntry.fund_id == fund_id)
        bal_stmt = bal_stmt.where(Balance.fund_id == fund_id)
    if year is not None:
        stmt = stmt.where(LedgerEntry.fund_id.in_(select(Fund.id).where(Fund.year == year)))
        bal_stmt = bal_stmt.where(Balance.fund_id.in_(select(Fund.id).where(Fund.year == year)))
    raw: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"by_kind": {}, "ledger": 0, "entries": 0, "balance": None}
    )
    for fid, cid, kind, total, count in db.session.execute(stmt):
        line = raw[(fid, cid)]
        line["by_kind"][EntryKind(kind)] = int(total or 0)
        line["ledger"] += int(total or 0)
        line["entries"] += int(count)
    for balance in db.session.scalars(bal_stmt):
        raw[(balance.fund_id, balance.centre_id)]["balance"] = balance.balance_fen
    funds = {f.id: f for f in db.session.scalars(select(Fund))}
    centres = {c.id: c for c in db.session.scalars(select(Centre))}
    lines = [
        Line(
            fund=funds[fid],
            centre=centres[cid],
            by_kind=data["by_kind"],
            ledger_fen=data["ledger"],
            entries=data["entries"],
            balance_fen=data["balance"],
        )
        for (fid, cid), data in raw.items()
    ]
    lines.sort(key=lambda ln: (-ln.fund.year, ln.fund.name, ln.centre.path))
    return lines


def balance_lines(scope=None, *, fund_id: int | None = None, year: int | None = None):
    """Per (fund, centre): the totals kept on the balance row; no ledger rows are read.

    `scope` is a SELECT of centre ids (`centres.scoping.subtree_ids`); None reads them all.
    The ledger check compares these totals with the ledger (`totals_mismatch`).
    """
    stmt = select(Balance).join(Fund, Fund.id == Balance.fund_id)
    stmt = stmt.where(_within(Balance.centre_id, scope))
    if fund_id is not None:
        stmt = stmt.where(Balance.fund_id == fund_id)
    if year is not None:
        stmt = stmt.where(Fund.year == year)
    stmt = stmt.options(joinedload(Balance.fund), joinedload(Balance.centre))
    lines = []
    for balance in db.session.scalars(stmt):
        by_kind = {EntryKind(k): int(v) for k, v in (balance.by_kind or {}).items()}
        if not balance.entries:
            continue
        lines.append(
            Line(
                fund=balance.fund,
                centre=balance.centre,
                by_kind=by_kind,
                ledger_fen=sum(by_kind.values()),
                entries=balance.entries,
                balance_fen=balance.balance_fen,
            )
        )
    lines.sort(key=lambda ln: (-ln.fund.year, ln.fund.name, ln.centre.path))
    return lines


def verify_ledger(scope=None) -> list[Difference]:
    """Check every rule the ledger must keep; return each difference found (empty: clean).

    `scope` limits the check to some centres: a SELECT of their ids, as `centres.scoping`
    gives it (`subtree_ids(user)`, `subtree(path)`); None checks the whole ledger. The
    database does the work (grouped joins, window functions) and returns only the rows
    that disagree, so the check's memory stays flat however long the ledger grows.
    """
    out: list[Difference] = []
    out += _check_balances(scope)
    out += _check_totals(scope)
    out += _check_rows(scope)
    out += _check_transfers(scope)
    out += _check_payments(scope)
    out += _check_cases(scope)
    return out


def rows_in_scope(scope=None) -> int:
    """How many ledger rows a check over this scope (a SELECT of centre ids) reads."""
    stmt = select(func.count(LedgerEntry.id)).where(_within(LedgerEntry.centre_id, scope))
    return db.session.scalar(stmt) or 0


def _within(column, scope):
    """True where `column` is a centre in `scope` (a SELECT of centre ids; None: every one)."""
    return literal(True) if scope is None else column.in_(scope)


def _names(fund_ids, centre_ids) -> tuple[dict, dict]:
    funds = dict(
        db.session.execute(select(Fund.id, Fund.name).where(Fund.id.in_(set(fund_ids)))).all()
    )
    centres = dict(
        db.session.execute(
            select(Centre.id, Centre.name).where(Centre.id.in_(set(centre_ids)))
        ).all()
    )
    return funds, centres


def _check_balances(scope) -> list[Difference]:
    """Each (fund, centre): the balance row equals the sum of its ledger rows, and is ≥ 0."""
    sums = (
        select(
            LedgerEntry.fund_id.label("fund_id"),
            LedgerEntry.centre_id.label("centre_id"),
            func.sum(LedgerEntry.amount_fen).label("ledger_fen"),
        )
        .where(_within(LedgerEntry.centre_id, scope))
        .group_by(LedgerEntry.fund_id, LedgerEntry.centre_id)
        .subquery()
    )
    bal = (
        select(Balance.fund_id, Balance.centre_id, Balance.balance_fen)
        .where(_within(Balance.centre_id, scope))
        .subquery()
    )
    ledger_fen = func.coalesce(sums.c.ledger_fen, 0)
    both = or_(
        bal.c.balance_fen.is_(None),
        bal.c.balance_fen != ledger_fen,
        bal.c.balance_fen < 0,
    )
    joined = sums.join(
        bal,
        and_(sums.c.fund_id == bal.c.fund_id, sums.c.centre_id == bal.c.centre_id),
        full=True,
    )
    rows = db.session.execute(
        select(
            func.coalesce(sums.c.fund_id, bal.c.fund_id),
            func.coalesce(sums.c.centre_id, bal.c.centre_id),
            ledger_fen,
            bal.c.balance_fen,
        )
        .select_from(joined)
        .where(both)
    ).all()
    funds, centres = _names([r[0] for r in rows], [r[1] for r in rows])
    out = []
    for fund_id, centre_id, ledger, balance in rows:
        ledger = int(ledger)  # PostgreSQL sums bigints as numeric
        names = {"fund": funds.get(fund_id, ""), "centre": centres.get(centre_id, "")}
        if balance is None:
            out.append(Difference("missing_balance", fund_id, centre_id, ledger, None, None, names))
        elif balance != ledger:
            out.append(
                Difference("balance_mismatch", fund_id, centre_id, ledger, balance, None, names)
            )
        if balance is not None and balance < 0:
            out.append(Difference("negative_balance", fund_id, centre_id, 0, balance, None, names))
    return out


def _check_totals(scope) -> list[Difference]:
    """The totals kept on each balance row equal the ledger's, kind by kind."""
    stored = {
        (b.fund_id, b.centre_id): b
        for b in db.session.scalars(select(Balance).where(_within(Balance.centre_id, scope)))
    }
    sums: dict[tuple[int, int], dict] = defaultdict(lambda: {"by_kind": {}, "entries": 0})
    for fid, cid, kind, total, count in db.session.execute(
        select(
            LedgerEntry.fund_id,
            LedgerEntry.centre_id,
            LedgerEntry.kind,
            func.sum(LedgerEntry.amount_fen),
            func.count(LedgerEntry.id),
        )
        .where(_within(LedgerEntry.centre_id, scope))
        .group_by(LedgerEntry.fund_id, LedgerEntry.centre_id, LedgerEntry.kind)
    ):
        sums[(fid, cid)]["by_kind"][str(kind)] = int(total)
        sums[(fid, cid)]["entries"] += int(count)
    wrong = []
    for key, balance in stored.items():
        ledger = sums.get(key, {"by_kind": {}, "entries": 0})
        kept = {k: int(v) for k, v in (balance.by_kind or {}).items() if v}
        if (
            kept != {k: v for k, v in ledger["by_kind"].items() if v}
            or (balance.entries or 0) != ledger["entries"]
        ):
            wrong.append(key)
    funds, centres = _names([k[0] for k in wrong], [k[1] for k in wrong])
    return [
        Difference(
            "totals_mismatch",
            fund_id,
            centre_id,
            params={"fund": funds.get(fund_id, ""), "centre": centres.get(centre_id, "")},
        )
        for fund_id, centre_id in wrong
    ]


def _check_rows(scope) -> list[Difference]:
    """Each row's sign fits its kind, and its balance-after chains from the row before it."""
    plus = [k.value for k, sign in ENTRY_SIGN.items() if sign > 0]
    previous = func.coalesce(
        func.lag(LedgerEntry.balance_after_fen).over(
            partition_by=(LedgerEntry.fund_id, LedgerEntry.centre_id), order_by=LedgerEntry.id
        ),
        0,
    )
    chained = (
        select(
            LedgerEntry.id.label("id"),
            LedgerEntry.fund_id.label("fund_id"),
            LedgerEntry.centre_id.label("centre_id"),
            LedgerEntry.kind.label("kind"),
            LedgerEntry.amount_fen.label("amount_fen"),
            LedgerEntry.balance_after_fen.label("after"),
            (previous + LedgerEntry.amount_fen).label("expected"),
        )
        .where(_within(LedgerEntry.centre_id, scope))
        .subquery()
    )
    wrong_sign = (chained.c.amount_fen > 0) != chained.c.kind.in_(plus)
    rows = db.session.execute(
        select(chained, wrong_sign.label("wrong_sign"))
        .where(or_(wrong_sign, chained.c.after != chained.c.expected))
        .order_by(chained.c.id)
    ).all()
    out = []
    for row in rows:
        expected = int(row.expected)
        if row.wrong_sign:
            out.append(Difference("wrong_sign", row.fund_id, row.centre_id, entry_id=row.id))
        if row.after != expected:
            out.append(
                Difference(
                    "running_balance", row.fund_id, row.centre_id, expected, row.after, row.id
                )
            )
    return out


def _check_transfers(scope) -> list[Difference]:
    """Every allocation and return has both sides: one receiving row answers each sending row."""
    receiving = list(TRANSFER_PAIRS)
    sending = list(TRANSFER_PAIRS.values())
    e = aliased(LedgerEntry)
    src = aliased(LedgerEntry)
    # The giving row counts only when the reader may see it; outside the scope it is not
    # reported when the giving centre lies outside the scope too.
    src_visible = and_(src.id.is_not(None), _within(src.centre_id, scope))
    expected_kind = case(
        *((e.kind == k.value, v.value) for k, v in TRANSFER_PAIRS.items()), else_=""
    )
    matches = and_(
        src_visible,
        src.kind == expected_kind,
        src.amount_fen == -e.amount_fen,
        # A transfer moves money between two funds at one centre; the others, within one fund.
        or_(
            and_(e.kind == EntryKind.TRANSFER_IN.value, src.fund_id != e.fund_id),
            and_(e.kind != EntryKind.TRANSFER_IN.value, src.fund_id == e.fund_id),
        ),
        src.centre_id == e.counterpart_centre_id,
        src.counterpart_centre_id == e.centre_id,
    )
    hidden_giver = and_(~src_visible, ~_within(e.counterpart_centre_id, scope))
    rows = db.session.execute(
        select(e.id, e.fund_id, e.centre_id, e.amount_fen)
        .select_from(e)
        .outerjoin(src, src.id == e.related_entry_id)
        .where(
            e.kind.in_([k.value for k in receiving]),
            _within(e.centre_id, scope),
            ~matches,
            ~hidden_giver,
        )
        .order_by(e.id)
    ).all()
    out = [
        Difference(
            "unpaired_transfer",
            fund_id,
            centre_id,
            entry_id=entry_id,
            params={"side": "receiving", "amount_fen": amount},
        )
        for entry_id, fund_id, centre_id, amount in rows
    ]
    answers = (
        select(
            LedgerEntry.related_entry_id.label("entry_id"), func.count(LedgerEntry.id).label("n")
        )
        .where(
            LedgerEntry.kind.in_([k.value for k in receiving]),
            LedgerEntry.related_entry_id.is_not(None),
            _within(LedgerEntry.centre_id, scope),
        )
        .group_by(LedgerEntry.related_entry_id)
        .subquery()
    )
    answered = func.coalesce(answers.c.n, 0)
    rows = db.session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.fund_id,
            LedgerEntry.centre_id,
            LedgerEntry.amount_fen,
            answered,
        )
        .outerjoin(answers, answers.c.entry_id == LedgerEntry.id)
        .where(
            LedgerEntry.kind.in_([k.value for k in sending]),
            _within(LedgerEntry.centre_id, scope),
            _within(LedgerEntry.counterpart_centre_id, scope),
            answered != 1,
        )
        .order_by(LedgerEntry.id)
    ).all()
    out += [
        Difference(
            "unpaired_transfer",
            fund_id,
            centre_id,
            entry_id=entry_id,
            params={"side": "sending", "amount_fen": -amount, "answered": int(n)},
        )
        for entry_id, fund_id, centre_id, amount, n in rows
    ]
    return out


def _check_payments(scope) -> list[Difference]:
    """Each payment has exactly one matching payment row, and one reversal row if reversed."""
    e = LedgerEntry
    p = Payment

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    is_paid_row = e.kind == EntryKind.PAYMENT.value
    is_reversal = e.kind == EntryKind.REVERSAL.value
    good_paid_row = and_(
        is_paid_row,
        e.amount_fen == -p.amount_fen,
        e.fund_id == p.fund_id,
        e.centre_id == p.centre_id,
        e.case_id == p.case_id,
    )
    expected_reversals = case((p.status == PaymentStatus.REVERSED.value, 1), else_=0)
    agrees = and_(
        count(is_paid_row) == 1,
        count(good_paid_row) == 1,
        count(is_reversal) == func.max(expected_reversals),
        count(and_(is_reversal, e.amount_fen != p.amount_fen)) == 0,
    )
    rows = db.session.execute(
        select(p.id, p.fund_id, p.centre_id, p.amount_fen, p.status)
        .outerjoin(e, and_(e.payment_id == p.id, _within(e.centre_id, scope)))
        .where(_within(p.centre_id, scope))
        .group_by(p.id, p.fund_id, p.centre_id, p.amount_fen, p.status)
        .having(~agrees)
        .order_by(p.id)
    ).all()
    out = [
        Difference(
            "payment_mismatch",
            fund_id,
            centre_id,
            amount,
            params={"payment_id": pid, "amount_fen": amount, "status": status},
        )
        for pid, fund_id, centre_id, amount, status in rows
    ]
    orphans = db.session.execute(
        select(e.payment_id, func.min(e.id), func.min(e.centre_id))
        .outerjoin(p, p.id == e.payment_id)
        .where(e.payment_id.is_not(None), p.id.is_(None), _within(e.centre_id, scope))
        .group_by(e.payment_id)
    ).all()
    out += [
        Difference(
            "payment_mismatch",
            centre_id=centre_id,
            entry_id=entry_id,
            params={"payment_id": payment_id},
        )
        for payment_id, entry_id, centre_id in orphans
    ]
    return out


def _check_cases(scope) -> list[Difference]:
    """Each case's paid amount equals its unreversed payments and stays within approval."""
    paid = (
        select(Payment.case_id.label("case_id"), func.sum(Payment.amount_fen).label("fen"))
        .where(Payment.status == PaymentStatus.PAID.value)
        .group_by(Payment.case_id)
        .subquery()
    )
    paid_fen = func.coalesce(paid.c.fen, 0)
    approved = func.coalesce(AidCase.amount_approved_fen, 0)
    rows = db.session.execute(
        select(AidCase.case_no, AidCase.centre_id, AidCase.paid_fen, approved, paid_fen)
        .outerjoin(paid, paid.c.case_id == AidCase.id)
        .where(
            _within(AidCase.centre_id, scope),
            or_(AidCase.paid_fen != paid_fen, AidCase.paid_fen > approved),
        )
        .order_by(AidCase.id)
    ).all()
    out = []
    for case_no, centre_id, recorded, approved_fen, expected in rows:
        expected = int(expected)
        params = {"case_no": case_no}
        if recorded != expected:
            out.append(
                Difference(
                    "case_paid_mismatch",
                    centre_id=centre_id,
                    expected_fen=expected,
                    actual_fen=recorded,
                    params=params,
                )
            )
        if recorded > approved_fen:
            out.append(
                Difference(
                    "over_approved",
                    centre_id=centre_id,
                    expected_fen=approved_fen,
                    actual_fen=recorded,
                    params=params,
                )
            )
    return out
