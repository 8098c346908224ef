"""Test data for funds: ready-to-pay cases built directly, and funds moved by the services."""

import itertools

from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.extensions import db
from assist.funds import services
from assist.funds.models import Fund, FundSource
from tests.factories import make_applicant, user

_seq = itertools.count(1)


def make_ready_case(
    centre,
    *,
    amount_fen: int = 100_000,
    kind: str = AidKind.LIVING,
    approver: str | None = None,
    with_account: bool = True,
    name: str = "王建国",
    id_number: str | None = None,
) -> AidCase:
    """An approved money case in `centre`, ready to pay, approved by the centre's supervisor."""
    applicant = make_applicant(centre, name=name, id_number=id_number)
    if with_account:
        applicant.bank_name = "中国工商银行苏州分行"
        applicant.bank_account = "6222021102001234567"
    n = next(_seq)
    case = AidCase(
        case_no=f"{centre.code}-2026-T{n:05d}",
        centre_id=centre.id,
        applicant_id=applicant.id,
        kind=kind,
        status=CaseStatus.READY_TO_PAY,
        amount_requested_fen=amount_fen,
        amount_approved_fen=amount_fen,
        reason="测试",
        approved_by_id=user(approver or f"{centre.code.lower()}.supervisor").id,
    )
    db.session.add(case)
    db.session.flush()
    return case


def make_fund(
    *,
    received_fen: int = 1_000_000,
    kinds=(AidKind.LIVING, AidKind.HOLIDAY, AidKind.MEDICAL),
    name: str | None = None,
    source: str = FundSource.UNION_FUNDS,
    by: str = "sz.finance",
) -> Fund:
    """A fund opened at the finance officer's centre with money received."""
    acting = user(by)
    fund = services.create_fund(
        acting_user=acting,
        name=name or f"帮扶资金{next(_seq)}",
        source=source,
        year=2026,
        allowed_kinds=[str(k) for k in kinds],
    )
    if received_fen:
        services.receive_funds(
            fund, acting_user=acting, amount_fen=received_fen, reference="苏工发〔2026〕1号"
        )
    return fund


def allocate_down(fund: Fund, path: list[tuple[str, str]], amount_fen: int) -> None:
    """Allocate `amount_fen` along [(giver finance username, receiving centre code), …]."""
    from sqlalchemy import select

    from assist.centres.models import Centre

    for username, code in path:
        target = db.session.scalars(select(Centre).where(Centre.code == code)).one()
        services.allocate(fund, acting_user=user(username), to_centre=target, amount_fen=amount_fen)


def balance(fund: Fund, code: str) -> int:
    from sqlalchemy import select

    from assist.centres.models import Centre
    from assist.funds.models import Balance

    row = db.session.scalars(
        select(Balance)
        .join(Centre, Centre.id == Balance.centre_id)
        .where(Balance.fund_id == fund.id, Centre.code == code)
    ).first()
    return row.balance_fen if row else 0
