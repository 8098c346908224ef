"""Read-side queries for funds pages, cards and the API, all limited to the user's scope."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from assist.cases.models import AidCase
from assist.cases.services import payable_clause
from assist.centres.models import Centre
from assist.centres.scoping import in_scope, scoped, subtree
from assist.core.forms import day_arg, int_arg
from assist.core.timeutil import local_to_utc
from assist.extensions import db
from assist.funds.models import Balance, EntryKind, Fund, LedgerEntry


def visible_funds_stmt(user):
    """Funds held in the user's subtree, or opened there."""
    held = select(Balance.fund_id).where(in_scope(user, Balance.centre_id))
    return (
        select(Fund)
        .where(or_(in_scope(user, Fund.centre_id), Fund.id.in_(held)))
        .order_by(Fund.year.desc(), Fund.name)
    )


def visible_funds(user, year: int | None = None) -> list[Fund]:
    stmt = visible_funds_stmt(user)
    if year:
        stmt = stmt.where(Fund.year == year)
    return list(db.session.scalars(stmt))


def get_fund(user, fund_id) -> Fund | None:
    try:
        fund_id = int(fund_id)
    except (TypeError, ValueError):
        return None
    return db.session.scalars(visible_funds_stmt(user).where(Fund.id == fund_id)).first()


@dataclass
class Source:
    """A (fund, centre) balance that may pay a case."""

    fund: Fund
    centre: Centre
    balance_fen: int

    @property
    def key(self) -> str:
        return f"{self.fund.id}:{self.centre.id}"


def payable_sources(case: AidCase, user, *, kind: str | None = None) -> list[Source]:
    """Balances the user may pay this case from: the case's centre or any above it in scope."""
    kind = kind or case.kind
    path_ids = [int(p) for p in case.centre.path.strip("/").split("/") if p]
    rows = db.session.execute(
        scoped(
            select(Balance, Fund, Centre)
            .join(Fund, Fund.id == Balance.fund_id)
            .join(Centre, Centre.id == Balance.centre_id)
            .where(Balance.centre_id.in_(path_ids), Balance.balance_fen > 0),
            user,
            Balance.centre_id,
        ).order_by(Centre.tier.desc(), Fund.year.desc(), Fund.name)
    ).all()
    return [Source(f, c, b.balance_fen) for b, f, c in rows if f.allows(kind)]


def centre_sources(user, centre_ids=None) -> list[Source]:
    """Every (fund, centre) balance in scope, for batch forms."""
    stmt = scoped(
        select(Balance, Fund, Centre)
        .join(Fund, Fund.id == Balance.fund_id)
        .join(Centre, Centre.id == Balance.centre_id),
        user,
        Balance.centre_id,
    ).order_by(Centre.path, Fund.year.desc(), Fund.name)
    if centre_ids is not None:
        stmt = stmt.where(Balance.centre_id.in_(centre_ids))
    return [Source(f, c, b.balance_fen) for b, f, c in db.session.execute(stmt).all()]


def ready_to_pay_stmt(user):
    return scoped(
        select(AidCase).where(payable_clause()),
        user,
        AidCase.centre_id,
    )


def ready_to_pay_totals(user) -> tuple[int, int]:
    """How many cases wait for payment in scope, and how much remains to pay them."""
    sub = ready_to_pay_stmt(user).subquery()
    count, remaining = db.session.execute(
        select(
            func.count(sub.c.id),
            func.coalesce(func.sum(sub.c.amount_approved_fen - sub.c.paid_fen), 0),
        )
    ).one()
    return int(count or 0), int(remaining or 0)


def ledger_stmt(user, args):
    """The ledger rows in scope that match the page's or the API's filters.

    The rows come with what a list shows of them (fund, centres, case, user) in the same query.
    """
    stmt = scoped(select(LedgerEntry), user, LedgerEntry.centre_id).options(
        joinedload(LedgerEntry.fund),
        joinedload(LedgerEntry.centre),
        joinedload(LedgerEntry.counterpart_centre),
        joinedload(LedgerEntry.case),
        joinedload(LedgerEntry.user),
    )
    fund_id = int_arg(args, "fund")
    if fund_id:
        stmt = stmt.where(LedgerEntry.fund_id == fund_id)
    if args.get("centre"):
        code = str(args["centre"]).strip().upper()
        sub = select(Centre.path).where(Centre.code == code).scalar_subquery()
        stmt = stmt.where(
            LedgerEntry.centre_id.in_(
                subtree(sub) if args.get("below") else select(Centre.id).where(Centre.code == code)
            )
        )
    if args.get("kind") in set(EntryKind):
        stmt = stmt.where(LedgerEntry.kind == args["kind"])
    if args.get("case"):
        stmt = stmt.where(
            LedgerEntry.case_id.in_(
                select(AidCase.id).where(AidCase.case_no == str(args["case"]).strip())
            )
        )
    start, end = day_arg(args, "from"), day_arg(args, "to")
    if start:
        stmt = stmt.where(LedgerEntry.created_at >= local_to_utc(start))
    if end:
        stmt = stmt.where(LedgerEntry.created_at < local_to_utc(end + timedelta(days=1)))
    return stmt


def balances_at(user, centre: Centre) -> list[tuple[Fund, int]]:
    rows = db.session.execute(
        select(Fund, Balance.balance_fen)
        .join(Balance, Balance.fund_id == Fund.id)
        .where(Balance.centre_id == centre.id)
        .order_by(Fund.year.desc(), Fund.name)
    ).all()
    return [(f, b) for f, b in rows]
