"""Demo funds for `flask seed-demo`: money in at the city, down the tiers, and some payments.

Everything goes through the real services, so `flask ledger verify` is clean afterwards.
It pays the ready-to-pay cases the cases seeder made; without any (that seeder may not be
installed), it first adds a few approved cases of its own.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from assist.applicants.models import Applicant, Category, FileStatus, ResidentId
from assist.auth.models import User
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.centres.models import Centre
from assist.core.crypto import keyed_hash
from assist.core.resident_id import make_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.demo.cli import SEEDERS
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import FundSource, PaymentMethod
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
        [AidKind.LIVING, AidKind.MEDICAL, AidKind.TEMPORARY, AidKind.MUTUAL_AID],
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

NAMES = ["陈秀英", "周建华", "吴桂兰", "徐志强", "孙海燕", "马国华", "朱美玲", "胡德明"]


def _user(code: str, role: str = "finance") -> User:
    return db.session.scalars(select(User).where(User.username == f"{code.lower()}.{role}")).one()


def _centre(code: str) -> Centre:
    return db.session.scalars(select(Centre).where(Centre.code == code)).one()


def _ensure_ready_cases(rng: random.Random, year: int) -> list[AidCase]:
    cases = list(
        db.session.scalars(
            select(AidCase).where(AidCase.status == CaseStatus.READY_TO_PAY).order_by(AidCase.id)
        )
    )
    if cases:
        return cases
    stations = list(db.session.scalars(select(Centre).where(Centre.tier == 3)))
    kinds = [AidKind.LIVING, AidKind.HOLIDAY, AidKind.MEDICAL, AidKind.SCHOOLING]
    for n, name in enumerate(NAMES):
        centre = stations[n % len(stations)]
        number = make_resident_id("320508", date(1962 + n * 3, 1 + n, 3 + n), 601 + 2 * n)
        if db.session.scalar(select(ResidentId.id).where(ResidentId.id_hash == keyed_hash(number))):
            continue
        applicant = Applicant(
            file_no=f"{centre.code}-{year}-P{n + 1:04d}",
            centre=centre,
            status=FileStatus.ACTIVE,
            category=Category.DEEP if n % 2 else Category.RELATIVE,
            name=name,
            id_hash=keyed_hash(number),
            gender="M" if int(number[16]) % 2 else "F",
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            phone=f"139{rng.randrange(10**8):08d}",
            address=f"苏州市姑苏区{rng.randrange(1, 300)}号",
            employer="苏州纺织厂",
            bank_name="中国工商银行苏州分行" if n % 3 else "",
            activated_on=date(year, 1, 5),
        )
        applicant.id_number = number
        if n % 3:
            applicant.bank_account = f"62220211020{rng.randrange(10**8):08d}"
        db.session.add(applicant)
        db.session.flush()
        db.session.add(ResidentId(id_hash=applicant.id_hash, applicant_id=applicant.id))
        supervisor = _user(centre.code, "supervisor")
        amount = rng.choice([80_000, 120_000, 150_000, 200_000])
        case = AidCase(
            case_no=f"{centre.code}-{year}-P{n + 1:04d}",
            centre_id=centre.id,
            applicant_id=applicant.id,
            kind=kinds[n % len(kinds)],
            status=CaseStatus.READY_TO_PAY,
            amount_requested_fen=amount,
            amount_approved_fen=amount,
            reason="家庭成员患病，收入微薄",
            created_by_id=_user(centre.code, "caseworker").id,
            submitted_by_id=_user(centre.code, "caseworker").id,
            approved_by_id=supervisor.id,
            submitted_at=utcnow() - timedelta(days=12),
            approved_at=utcnow() - timedelta(days=10),
        )
        db.session.add(case)
        cases.append(case)
    db.session.flush()
    return cases


def _details(case: AidCase, method: str, rng: random.Random) -> services.PaymentDetails:
    if method == PaymentMethod.BANK_TRANSFER:
        return services.PaymentDetails(method=method, reference=f"ICBC{rng.randrange(10**10):010d}")
    return services.PaymentDetails(
        method=PaymentMethod.CASH,
        signed_by=case.recipient_name,
        signed_on=local_today() - timedelta(days=rng.randrange(1, 6)),
    )


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

    cases = _ensure_ready_cases(rng, year)
    paid = reversed_ = 0
    batch_cases = []
    for n, case in enumerate(cases):
        payer = _user(case.centre.code)
        if payer.id == case.approved_by_id:
            payer = _user(case.centre.parent.code)
        sources = payable_sources(case, payer)
        remaining = (case.amount_approved_fen or 0) - case.paid_fen
        if not sources or remaining <= 0:
            continue
        if n % 4 == 3:
            batch_cases.append(case)
            continue
        if n % 4 == 2:
            continue  # left ready to pay for the demo's finance officers
        has_account = case.applicant is not None and case.applicant.bank_account_last4
        method = PaymentMethod.BANK_TRANSFER if has_account else PaymentMethod.CASH
        amount = remaining if n % 5 else remaining // 2
        payment, _created = services.pay_case(
            case,
            acting_user=payer,
            fund=sources[0].fund,
            centre=sources[0].centre,
            amount_fen=amount,
            details=_details(case, method, rng),
            idempotency_key=f"demo-payment-{case.id}",
        )
        paid += 1
        if reversed_ == 0 and method == PaymentMethod.BANK_TRANSFER:
            services.reverse_payment(
                payment,
                acting_user=_user(case.centre.parent.code),
                reason="银行退票：户名与账号不符，核对后重新发放",
            )
            reversed_ += 1
    if batch_cases:
        centre = batch_cases[0].centre.parent
        finance = _user(centre.code)
        holiday = next(f for f in funds if f.source == FundSource.SPECIAL)
        batch = batches.create_batch(
            acting_user=finance,
            title=f"{year + 1}年春节送温暖慰问金",
            fund=holiday,
            method=PaymentMethod.CASH,
            centre=centre,
        )
        for case in batch_cases:
            if case.centre.is_within(centre) and holiday.allows(case.kind):
                if case.approved_by_id != finance.id:
                    batches.add_case(batch, case, acting_user=finance)
    db.session.flush()
    return (
        f"Funds: {len(funds)} funds allocated down the network; {paid} payment(s), "
        f"{reversed_} reversal(s), {len(batch_cases)} case(s) waiting in a draft batch."
    )


SEEDERS.append(seed_funds)
