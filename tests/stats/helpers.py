"""Data for the figures tests: files in several centres, cases, and payments made by the services."""

from assist.applicants.models import Category, Cause, FileStatus
from assist.cases.models import AidKind
from assist.extensions import db
from assist.funds import services as funds
from tests.factories import make_applicant, user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


def pay(case, fund, username: str, *, key: str):
    payment, _created = funds.pay_case(
        case,
        acting_user=user(username),
        fund=fund,
        amount_fen=case.amount_approved_fen,
        details=funds.PaymentDetails(method="bank_transfer", reference=f"REF{key}"),
        idempotency_key=key.ljust(32, "0"),
    )
    return payment


def seed_figures(network) -> dict:
    """Files of every kind across two districts, and paid aid in a station."""
    pj, cl, wz = network["SZ-GS-PJ"], network["SZ-GS-CL"], network["SZ-WZ-CQ"]
    make_applicant(pj, category=Category.DEEP, main_cause=Cause.ILLNESS, is_migrant_worker=True)
    make_applicant(pj, category=Category.DEEP, main_cause=Cause.ILLNESS, female=True)
    make_applicant(pj, category=Category.RELATIVE, main_cause=Cause.UNEMPLOYMENT)
    make_applicant(cl, category=Category.ACCIDENT, main_cause=Cause.ACCIDENT, female=True)
    make_applicant(cl, status=FileStatus.APPLIED, category=Category.RELATIVE)
    make_applicant(wz, category=Category.RELATIVE, main_cause=Cause.DISABILITY)
    make_applicant(network["SZ-GS"], category=Category.DEEP, main_cause=Cause.OTHER)
    fund = make_fund(received_fen=2_000_000, name="帮扶资金甲")
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 600_000)
    living = make_ready_case(pj, amount_fen=150_000)
    medical = make_ready_case(pj, amount_fen=80_000, kind=AidKind.MEDICAL)
    pay(living, fund, "sz-gs-pj.finance", key="a1")
    pay(medical, fund, "sz-gs-pj.finance", key="a2")
    db.session.commit()
    return {"fund": fund, "living": living, "medical": medical}
