"""Reconciliation: the ledger against the balances, payments and cases, to the 分.

`verify_ledger()` is what `flask ledger verify` and the reconciliation page run. It reports
every difference it finds instead of stopping at the first.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

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
    """One thing that does not reconcile."""

    code: str
    message: str
    fund_id: int | None = None
    centre_id: int | None = None
    expected_fen: int | None = None
    actual_fen: int | None = None
    entry_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "fund_id": self.fund_id,
            "centre_id": self.centre_id,
            "expected_fen": self.expected_fen,
            "actual_fen": self.actual_fen,
            "entry_id": self.entry_id,
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


def ledger_lines(centre_ids=None, *, fund_id: int | None = None, year: int | None = None):
    """Per (fund, centre): ledger sums by kind, entry count and the balance row."""
    stmt = select(
        LedgerEntry.fund_id,
        LedgerEntry.centre_id,
        LedgerEntry.kind,
        func.sum(LedgerEntry.amount_fen),
        func.count(LedgerEntry.id),
    ).group_by(LedgerEntry.fund_id, LedgerEntry.centre_id, LedgerEntry.kind)
    bal_stmt = select(Balance)
    if centre_ids is not None:
        stmt = stmt.where(LedgerEntry.centre_id.in_(centre_ids))
        bal_stmt = bal_stmt.where(Balance.centre_id.in_(centre_ids))
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


def verify_ledger(centre_ids=None) -> list[Difference]:
    """Check every rule the ledger must keep; return each difference found (empty: clean)."""
    scope = set(centre_ids) if centre_ids is not None else None
    out: list[Difference] = []

    def in_scope(centre_id) -> bool:
        return scope is None or centre_id in scope

    for line in ledger_lines(centre_ids):
        if line.balance_fen is None:
            out.append(
                Difference(
                    "missing_balance",
                    _(
                        "%(fund)s · %(centre)s: ledger rows total ¥%(ledger)s but there is no "
                        "balance row.",
                        fund=line.fund.name,
                        centre=line.centre.name,
                        ledger=format_yuan(line.ledger_fen),
                    ),
                    line.fund.id,
                    line.centre.id,
                    line.ledger_fen,
                    None,
                )
            )
        elif line.difference_fen:
            out.append(
                Difference(
                    "balance_mismatch",
                    _(
                        "%(fund)s · %(centre)s: the ledger gives ¥%(ledger)s, the balance row "
                        "says ¥%(balance)s (difference ¥%(diff)s).",
                        fund=line.fund.name,
                        centre=line.centre.name,
                        ledger=format_yuan(line.ledger_fen),
                        balance=format_yuan(line.balance_fen),
                        diff=format_yuan(line.difference_fen),
                    ),
                    line.fund.id,
                    line.centre.id,
                    line.ledger_fen,
                    line.balance_fen,
                )
            )
        if line.balance_fen is not None and line.balance_fen < 0:
            out.append(
                Difference(
                    "negative_balance",
                    _(
                        "%(fund)s · %(centre)s: the balance is negative.",
                        fund=line.fund.name,
                        centre=line.centre.name,
                    ),
                    line.fund.id,
                    line.centre.id,
                    0,
                    line.balance_fen,
                )
            )

    entries_stmt = select(LedgerEntry).order_by(LedgerEntry.id)
    entries = [e for e in db.session.scalars(entries_stmt) if in_scope(e.centre_id)]
    by_id = {e.id: e for e in entries}
    running: dict[tuple[int, int], int] = defaultdict(int)
    answered: dict[int, int] = defaultdict(int)
    for e in entries:
        kind = EntryKind(e.kind)
        if (e.amount_fen > 0) != (ENTRY_SIGN[kind] > 0):
            out.append(
                Difference(
                    "wrong_sign",
                    _("Ledger row %(id)d has the wrong sign for its kind.", id=e.id),
                    e.fund_id,
                    e.centre_id,
                    entry_id=e.id,
                )
            )
        key = (e.fund_id, e.centre_id)
        running[key] += e.amount_fen
        if e.balance_after_fen != running[key]:
            out.append(
                Difference(
                    "running_balance",
                    _(
                        "Ledger row %(id)d says the balance after it is ¥%(after)s; the rows "
                        "before it give ¥%(expected)s.",
                        id=e.id,
                        after=format_yuan(e.balance_after_fen),
                        expected=format_yuan(running[key]),
                    ),
                    e.fund_id,
                    e.centre_id,
                    running[key],
                    e.balance_after_fen,
                    e.id,
                )
            )
            running[key] = e.balance_after_fen  # report each break once, not every row after
        if kind in TRANSFER_PAIRS:
            out.extend(_check_pair(e, by_id, scope))
            if e.related_entry_id:
                answered[e.related_entry_id] += 1
    for e in entries:
        if EntryKind(e.kind) in TRANSFER_PAIRS.values() and answered[e.id] != 1:
            if scope is None or e.counterpart_centre_id in scope:
                out.append(
                    Difference(
                        "unpaired_transfer",
                        _(
                            "Ledger row %(id)d sends ¥%(amount)s but %(n)d row(s) receive it.",
                            id=e.id,
                            amount=format_yuan(-e.amount_fen),
                            n=answered[e.id],
                        ),
                        e.fund_id,
                        e.centre_id,
                        entry_id=e.id,
                    )
                )
    out.extend(_check_payments(entries, scope))
    out.extend(_check_cases(scope))
    return out


def _check_pair(e: LedgerEntry, by_id: dict, scope) -> list[Difference]:
    source = by_id.get(e.related_entry_id) if e.related_entry_id else None
    if source is None and scope is not None and e.counterpart_centre_id not in scope:
        return []  # the giving side lies outside the reader's scope
    expected = TRANSFER_PAIRS[EntryKind(e.kind)]
    # A transfer moves money between two funds at one centre; the others, within one fund.
    between_funds = expected == EntryKind.TRANSFER_OUT
    if (
        source is None
        or source.kind != expected
        or source.amount_fen != -e.amount_fen
        or (source.fund_id != e.fund_id) is not between_funds
        or source.centre_id != e.counterpart_centre_id
        or source.counterpart_centre_id != e.centre_id
    ):
        return [
            Difference(
                "unpaired_transfer",
                _(
                    "Ledger row %(id)d receives ¥%(amount)s without a matching sending row.",
                    id=e.id,
                    amount=format_yuan(e.amount_fen),
                ),
                e.fund_id,
                e.centre_id,
                entry_id=e.id,
            )
        ]
    return []


def _check_payments(entries: list[LedgerEntry], scope) -> list[Difference]:
    out = []
    rows: dict[int, dict[str, list[LedgerEntry]]] = defaultdict(lambda: defaultdict(list))
    for e in entries:
        if e.payment_id:
            rows[e.payment_id][e.kind].append(e)
    payments = list(db.session.scalars(select(Payment).order_by(Payment.id)))
    known = {p.id for p in payments}
    for p in payments:
        if scope is not None and p.centre_id not in scope:
            continue
        paid = rows[p.id][EntryKind.PAYMENT]
        reversed_ = rows[p.id][EntryKind.REVERSAL]
        expect_reversal = 1 if p.status == PaymentStatus.REVERSED else 0
        ok = (
            len(paid) == 1
            and paid[0].amount_fen == -p.amount_fen
            and paid[0].fund_id == p.fund_id
            and paid[0].centre_id == p.centre_id
            and paid[0].case_id == p.case_id
            and len(reversed_) == expect_reversal
            and all(r.amount_fen == p.amount_fen for r in reversed_)
        )
        if not ok:
            out.append(
                Difference(
                    "payment_mismatch",
                    _(
                        "Payment no. %(id)d (¥%(amount)s, %(status)s) does not match its ledger "
                        "rows.",
                        id=p.id,
                        amount=format_yuan(p.amount_fen),
                        status=p.status,
                    ),
                    p.fund_id,
                    p.centre_id,
                    p.amount_fen,
                )
            )
    for payment_id, kinds in rows.items():
        if payment_id not in known:
            out.append(
                Difference(
                    "payment_mismatch",
                    _("Ledger rows name payment no. %(id)d, which does not exist.", id=payment_id),
                    entry_id=next(iter(kinds.values()))[0].id,
                )
            )
    return out


def _check_cases(scope) -> list[Difference]:
    """Each case's paid amount equals its unreversed payments and stays within approval."""
    out = []
    paid = dict(
        db.session.execute(
            select(Payment.case_id, func.sum(Payment.amount_fen))
            .where(Payment.status == PaymentStatus.PAID)
            .group_by(Payment.case_id)
        ).all()
    )
    stmt = select(AidCase).where(
        (AidCase.paid_fen != 0) | AidCase.id.in_(select(Payment.case_id).distinct())
    )
    for case in db.session.scalars(stmt):
        if scope is not None and case.centre_id not in scope:
            continue
        expected = int(paid.get(case.id) or 0)
        if case.paid_fen != expected:
            out.append(
                Difference(
                    "case_paid_mismatch",
                    _(
                        "Case %(no)s records ¥%(recorded)s paid; its payments total ¥%(paid)s.",
                        no=case.case_no,
                        recorded=format_yuan(case.paid_fen),
                        paid=format_yuan(expected),
                    ),
                    centre_id=case.centre_id,
                    expected_fen=expected,
                    actual_fen=case.paid_fen,
                )
            )
        if case.paid_fen > (case.amount_approved_fen or 0):
            out.append(
                Difference(
                    "over_approved",
                    _(
                        "Case %(no)s is paid ¥%(paid)s, above the ¥%(approved)s approved.",
                        no=case.case_no,
                        paid=format_yuan(case.paid_fen),
                        approved=format_yuan(case.amount_approved_fen or 0),
                    ),
                    centre_id=case.centre_id,
                    expected_fen=case.amount_approved_fen,
                    actual_fen=case.paid_fen,
                )
            )
    return out
