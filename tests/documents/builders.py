"""A demo-like household built through the real services: a file with members, an assessment,
a home visit and a review, several aid cases with their timelines, and payments.

Used by the document tests and by bench/case_file_bench.py (which has no pytest): it needs
only an app context with the demo network (assist.demo.cli.build_network).
"""

import itertools
import uuid
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from assist.applicants import services as files
from assist.applicants.models import Applicant, SubsistenceStandard
from assist.attachments.models import AttachmentKind
from assist.attachments.services import store_attachment
from assist.auth.models import User
from assist.cases import services as cases
from assist.cases.attachments import add_case_attachment
from assist.cases.models import AidCase, AidKind
from assist.centres.models import Centre
from assist.core.resident_id import make_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.funds import services as funds
from assist.funds.models import Fund

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

HOUSEHOLDS = [
    ("张三明", "李秀英", "张小龙", "张国强"),
    ("王建国", "陈桂兰", "王思雨", "王德福"),
    ("刘志刚", "赵丽华", "刘晓明", "刘长顺"),
    ("陈卫东", "周美玲", "陈一诺", "陈守业"),
]


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _centre(code: str) -> Centre:
    return db.session.scalars(select(Centre).where(Centre.code == code)).one()


def _id(birth: date, female: bool) -> str:
    n = next(_seq) + 400
    sequence = (2 * n) % 1000 if female else (2 * n + 1) % 1000
    return make_resident_id("320508", birth, sequence)


def ensure_standard() -> None:
    if db.session.scalars(select(SubsistenceStandard)).first() is None:
        db.session.add(
            SubsistenceStandard(
                region_code="SZ",
                region_name="苏州市",
                monthly_fen=106_000,
                effective_from=date(2020, 1, 1),
            )
        )
        db.session.flush()


def ensure_fund(station: str = "SZ-GS-PJ") -> Fund:
    """A union fund with money allocated down to the station."""
    fund = db.session.scalars(select(Fund).where(Fund.name == "职工帮扶资金（测试）")).first()
    if fund is None:
        city = _user("sz.finance")
        fund = funds.create_fund(
            acting_user=city,
            name="职工帮扶资金（测试）",
            source="union_funds",
            year=local_today().year,
            allowed_kinds=[k.value for k in AidKind if k.is_money],
        )
        funds.receive_funds(
            fund, acting_user=city, amount_fen=900_000_000, reference="苏工发〔2026〕1号"
        )
    district = station.rsplit("-", 1)[0]
    funds.allocate(
        fund, acting_user=_user("sz.finance"), to_centre=_centre(district), amount_fen=5_000_000
    )
    funds.allocate(
        fund,
        acting_user=_user(f"{district.lower()}.finance"),
        to_centre=_centre(station),
        amount_fen=5_000_000,
    )
    return fund


def register_file(station: str = "SZ-GS-PJ", *, name: str | None = None, n: int = 0) -> Applicant:
    """An active 深度困难 file of four people, taken through the whole workflow."""
    ensure_standard()
    code = station.lower()
    caseworker, supervisor = _user(f"{code}.caseworker"), _user(f"{code}.supervisor")
    head, spouse, child, parent = HOUSEHOLDS[n % len(HOUSEHOLDS)]
    data = files.FileInput(
        name=name or head,
        id_number=_id(date(1976, 3, 14), female=False),
        phone="13912345678",
        address="苏州市姑苏区平江路白塔东路58号2幢301室",
        employer="苏州纺织机械厂",
        work_status="laid_off",
        health="chronic",
        health_notes="慢性肾功能不全，需定期透析",
        bank_name="中国工商银行苏州分行",
        bank_account="6222021102001234567",
        main_cause="illness",
        secondary_causes=["schooling"],
        consent_signed_on=local_today() - timedelta(days=60),
        members=[
            files.MemberInput(
                relation="spouse",
                name=spouse,
                id_number=_id(date(1978, 8, 2), female=True),
                monthly_income_fen=90_000,
                health="good",
            ),
            files.MemberInput(
                relation="child",
                name=child,
                id_number=_id(date(2006, 9, 1), female=False),
                is_student=True,
            ),
            files.MemberInput(
                relation="parent",
                name=parent,
                id_number=_id(date(1948, 1, 20), female=False),
                monthly_income_fen=50_000,
                health="serious",
            ),
        ],
        annual_income_fen=3_000_000,
        rigid_expenses_fen=1_200_000,
    )
    applicant = files.register_household(
        data, acting_user=caseworker, centre=_centre(station.upper())
    )
    store_attachment(
        FileStorage(BytesIO(PDF), filename="授权委托书.pdf"),
        acting_user=caseworker,
        owner_type=files.OWNER_TYPE,
        owner=applicant,
        kind=AttachmentKind.CONSENT,
    )
    store_attachment(
        FileStorage(BytesIO(PDF), filename="家庭收入证明.pdf"),
        acting_user=caseworker,
        owner_type=files.OWNER_TYPE,
        owner=applicant,
        kind=AttachmentKind.INCOME_PROOF,
    )
    files.transition(applicant, "submit", acting_user=caseworker)
    files.transition(applicant, "pass_initial", acting_user=supervisor, reason="材料齐全。")
    files.add_home_visit(
        applicant,
        acting_user=caseworker,
        visited_on=local_today(),
        visitors="刘敏、赵强（平江街道工会）",
        findings=(
            "户主患慢性肾病，每周透析两次，已无法正常上班；配偶在超市做理货员，收入微薄；"
            "儿子在读高中；父亲年老多病。住房为公房，家中陈设简陋，情况属实。"
        ),
    )
    files.transition(applicant, "complete_visit", acting_user=caseworker)
    files.transition(applicant, "approve", acting_user=supervisor, reason="同意建档，予以公示。")
    files.transition(
        applicant, "activate", acting_user=supervisor, today=local_today() + timedelta(days=10)
    )
    files.record_review(applicant, acting_user=caseworker, note="家庭情况无变化，继续在档。")
    db.session.flush()
    return applicant


def _pay(case: AidCase, fund: Fund, station: str, *, amount_fen: int | None = None) -> None:
    funds.pay_case(
        case,
        acting_user=_user(f"{station.lower()}.finance"),
        fund=fund,
        amount_fen=amount_fen or case.amount_approved_fen,
        details=funds.PaymentDetails(
            method="bank_transfer", reference=f"ICBC{uuid.uuid4().hex[:10]}"
        ),
        idempotency_key=uuid.uuid4().hex,
    )


def add_cases(applicant: Applicant, station: str = "SZ-GS-PJ", *, fund: Fund | None = None):
    """A paid living-relief case, a medical case approved by the district and paid in two
    parts, a holiday case in public notice, and a legal-aid request awaiting approval."""
    code = station.lower()
    district = station.rsplit("-", 1)[0].lower()
    caseworker, supervisor = _user(f"{code}.caseworker"), _user(f"{code}.supervisor")
    fund = fund or ensure_fund(station)
    made = []

    living = cases.create_case(
        acting_user=caseworker,
        data=cases.CaseInput(
            kind="living",
            applicant=applicant,
            amount_requested_fen=150_000,
            reason="户主患病失去劳动能力，家庭收入低于低保标准，申请生活救助。",
        ),
    )
    cases.submit_case(living, acting_user=caseworker)
    cases.approve_case(living, acting_user=supervisor, comment="情况属实，同意救助。")
    made.append(living)

    medical = cases.create_case(
        acting_user=caseworker,
        data=cases.CaseInput(
            kind="medical",
            applicant=applicant,
            amount_requested_fen=800_000,
            self_paid_fen=1_640_902,
            reason="户主长期透析，本年度医保报销后自付医疗费16,409.02元，申请医疗救助。",
        ),
    )
    add_case_attachment(
        medical,
        FileStorage(BytesIO(PDF), filename="诊断证明书.pdf"),
        acting_user=caseworker,
        kind=AttachmentKind.DIAGNOSIS,
    )
    cases.submit_case(medical, acting_user=caseworker)
    cases.recommend_case(
        medical,
        acting_user=supervisor,
        amount_fen=800_000,
        comment="情况属实，超出本站审批权限，建议区级审批。",
    )
    cases.approve_case(
        medical, acting_user=_user(f"{district}.supervisor"), comment="同意医疗救助8000元。"
    )
    made.append(medical)

    cases.close_expired_notices(now=utcnow() + timedelta(days=30))
    _pay(living, fund, station)
    _pay(medical, fund, station, amount_fen=500_000)
    _pay(medical, fund, station, amount_fen=300_000)

    holiday = cases.create_case(
        acting_user=caseworker,
        data=cases.CaseInput(
            kind="holiday",
            applicant=applicant,
            amount_requested_fen=100_000,
            occasion="spring_festival",
            reason="春节送温暖慰问。",
        ),
    )
    cases.submit_case(holiday, acting_user=caseworker)
    cases.approve_case(holiday, acting_user=supervisor, comment="同意。")
    made.append(holiday)

    legal = cases.create_case(
        acting_user=caseworker,
        data=cases.CaseInput(
            kind="legal",
            applicant=applicant,
            service="劳动争议仲裁代理",
            reason="原单位拖欠病休工资，申请法律援助。",
        ),
    )
    cases.submit_case(legal, acting_user=caseworker)
    made.append(legal)
    db.session.flush()
    return made


def demo_household(station: str = "SZ-GS-PJ", *, name: str | None = None, n: int = 0):
    """A complete household: the file and its four cases (three with money, two paid)."""
    applicant = register_file(station, name=name, n=n)
    add_cases(applicant, station)
    return applicant
