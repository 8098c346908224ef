"""Demo funds for `flask seed-demo`: money in at the city, down the tiers, and some payments.

Everything goes through the real services, so `flask ledger verify` is clean afterwards.
It pays the ready-to-pay cases the cases seeder brought through submission, approval and
public notice (assist/cases/demo.py runs first): the demo households' own cases.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from assist.auth.models import User
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.centres.models import Centre
from assist.core.timeutil import local_today
from assist.demo.cli import seeder
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import Fund, FundSource, PaymentMethod
from assist.funds.queries import payable_sources

#: (name, source, kinds, yuan received at the city, document reference)
FUNDS = [
    (
        "送温暖专项资金",
        FundSource.SPECIAL,
        [AidKind.HOLIDAY, AidKind.LIVING],
        300_000,
        "苏工发〔{year}〕3号",
    ),
    (
        "困难职工帮扶资金（工会经费）",
        FundSource.UNION_FUNDS,
        [AidKind.LIVING, AidKind.MEDICAL, AidKind.SCHOOLING, AidKind.TEMPORARY],
        500_000,
        "苏工财〔{year}〕12号",
    ),
    (
        "市财政困难职工救助拨款",
        FundSource.GOVERNMENT,
        [AidKind.LIVING, AidKind.MEDICAL, AidKind.TEMPORARY],
        400_000,
        "苏财社〔{year}〕45号",
    ),
    (
        "金秋助学社会捐赠",
        FundSource.DONATIONS,
        [AidKind.SCHOOLING],
        80_000,
        "捐赠收据 No.{year}0017",
    ),
]


def _user(code: str, role: str = "finance") -> User:
    return db.session.scalars(select(User).where(User.username == f"{code.lower()}.{role}")).one()


def _centre(code: str) -> Centre:
    return db.session.scalars(select(Centre).where(Centre.code == code)).one()


#: What the stations give instead of cash for the holiday visits (名称, 数量, 单价 in 分).
HOLIDAY_GOODS = [("大米（10公斤）", 2, 10_000), ("食用油（5升）", 2, 15_000), ("棉被", 1, 30_000)]


def _source(case: AidCase, payer: User, amount_fen: int):
    """The first balance the payer may pay this case from that holds `amount_fen`."""
    for source in payable_sources(case, payer):
        if source.balance_fen >= amount_fen:
            return source
    return None


def _pay(case, payer, amount_fen, details, key):
    source = _source(case, payer, amount_fen)
    if source is None:
        return None
    payment, _created = services.pay_case(
        case,
        acting_user=payer,
        fund=source.fund,
        centre=source.centre,
        amount_fen=amount_fen,
        details=details,
        idempotency_key=key,
    )
    return payment


def _bank(rng: random.Random) -> services.PaymentDetails:
    return services.PaymentDetails(
        method=PaymentMethod.BANK_TRANSFER, reference=f"ICBC{rng.randrange(10**10):010d}"
    )


def _cash(case: AidCase, rng: random.Random) -> services.PaymentDetails:
    return services.PaymentDetails(
        method=PaymentMethod.CASH,
        signed_by=case.recipient_name,
        signed_on=local_today() - timedelta(days=rng.randrange(0, 3)),
    )


def _goods(case: AidCase) -> services.PaymentDetails:
    return services.PaymentDetails(
        method=PaymentMethod.IN_KIND,
        items=[{"name": n, "quantity": q, "unit_value_fen": v} for n, q, v in HOLIDAY_GOODS],
        signed_by=case.recipient_name,
        signed_on=local_today(),
    )


def _pay_ready_cases(rng: random.Random, funds: list[Fund], year: int) -> tuple[int, int, int]:
    """Pay the cases the cases seeder brought to ready to pay; return the counts.

    Each station's finance officer pays (never the supervisor who approved); the district's
    finance officer reverses one bank transfer (never the one who paid it) and the station
    pays it again. Living relief goes by bank transfer, the ¥8,000 medical cases in two parts
    (the second only at some stations), the holiday visits in cash or in goods, and two
    holiday cases wait in the district's draft batch. The city-approved cases stay ready to
    pay, for the demo's finance officers.
    """
    ready = db.session.scalars(
        select(AidCase).where(AidCase.status == CaseStatus.READY_TO_PAY).order_by(AidCase.id)
    ).all()
    paid = reversed_ = 0
    holiday: list[AidCase] = []
    medical = 0
    for case in ready:
        payer = _user(case.centre.code)
        remaining = case.unpaid_fen
        if case.kind == AidKind.LIVING:
            payment = _pay(case, payer, remaining, _bank(rng), f"demo-payment-{case.id}")
            paid += payment is not None
            if payment is not None and reversed_ == 0:
                services.reverse_payment(
                    payment,
                    acting_user=_user(case.centre.parent.code),
                    reason="银行退票：户名与账号不符，核对后重新发放",
                )
                reversed_ += 1
                again = _pay(case, payer, remaining, _bank(rng), f"demo-payment-{case.id}-2")
                paid += again is not None
        elif case.kind == AidKind.MEDICAL and remaining <= 800_000:
            first = min(500_000, remaining)
            paid += _pay(case, payer, first, _bank(rng), f"demo-payment-{case.id}") is not None
            medical += 1
            if medical % 2 and remaining > first:
                second = remaining - first
                key = f"demo-payment-{case.id}-2"
                paid += _pay(case, payer, second, _cash(case, rng), key) is not None
        elif case.kind == AidKind.HOLIDAY:
            holiday.append(case)
    batch_cases = holiday[:2]
    for n, case in enumerate(holiday[2:]):
        payer = _user(case.centre.code)
        remaining = case.unpaid_fen
        goods_value = sum(q * v for _n, q, v in HOLIDAY_GOODS)
        if n % 2 == 0 and remaining == goods_value:
            details = _goods(case)
        else:
            details = _cash(case, rng)
        paid += _pay(case, payer, remaining, details, f"demo-payment-{case.id}") is not None
    batched = 0
    if batch_cases:
        centre = batch_cases[0].centre.parent
        finance = _user(centre.code)
        special = next(f for f in funds if f.source == FundSource.SPECIAL)
        batch = batches.create_batch(
            acting_user=finance,
            title=f"{year + 1}年春节送温暖慰问金",
            fund=special,
            method=PaymentMethod.CASH,
            centre=centre,
        )
        for case in batch_cases:
            if case.centre.is_within(centre) and special.allows(case.kind):
                batches.add_case(batch, case, acting_user=finance)
                batched += 1
    return paid, reversed_, batched


@seeder("funds")
def seed_funds(rng: random.Random) -> str:
    """Open the demo funds, allocate them down the network and pay some ready cases."""
    year = local_today().year
    city = _user("SZ")
    funds = []
    for name, source, kinds, yuan, reference in FUNDS:
        fund = services.create_fund(
            acting_user=city,
            name=name,
            source=source,
            year=year,
            allowed_kinds=[k.value for k in kinds],
        )
        services.receive_funds(
            fund,
            acting_user=city,
            amount_fen=yuan * 100,
            reference=reference.format(year=year),
            note="年度资金到账",
        )
        funds.append(fund)
    plan = {"SZ-GS": ["SZ-GS-PJ", "SZ-GS-CL", "SZ-GS-JC"], "SZ-WZ": ["SZ-WZ-CQ", "SZ-WZ-MD"]}
    for fund, (_n, _s, _k, yuan, _r) in zip(funds, FUNDS, strict=True):
        for district, stations in plan.items():
            services.allocate(
                fund,
                acting_user=city,
                to_centre=_centre(district),
                amount_fen=yuan * 100 * 35 // 100,
                note=f"{year}年度下拨",
            )
            for station in stations:
                services.allocate(
                    fund,
                    acting_user=_user(district),
                    to_centre=_centre(station),
                    amount_fen=yuan * 100 * 6 // 100,
                    note=f"{year}年度下拨",
                )
    services.return_up(
        funds[3],
        acting_user=_user("SZ-WZ-MD"),
        amount_fen=200_000,
        reason="本站助学对象已由企业资助，结余资金上缴区中心统筹",
    )

    paid, reversed_, batched = _pay_ready_cases(rng, funds, year)
    db.session.flush()
    return (
        f"Funds: {len(funds)} funds allocated down the network; {paid} payment(s), "
        f"{reversed_} reversal(s), {batched} case(s) waiting in a draft batch."
    )
