"""Demo mutual aid for `flask seed-demo`: two plans and a women's add-on, eight units with their
rosters, fees into the mutual-aid fund, and claims in every state — all through the services.

Fictitious IDs use sequence numbers 800–899 (the hardship files use 900–999); a few demo
household heads are on a unit's roster, so the link to a hardship file shows.
"""

import random
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc
from werkzeug.datastructures import FileStorage

from assist.applicants.models import Applicant, FileStatus
from assist.auth.models import Role, User
from assist.cases import services as case_services
from assist.cases.attachments import add_case_attachment
from assist.centres.models import Centre
from assist.core.resident_id import make_resident_id
from assist.core.timeutil import local_today
from assist.demo.cli import demo_username, seeder
from assist.extensions import db
from assist.funds import services as fund_services
from assist.funds.models import Fund, FundSource, PaymentMethod
from assist.mutual_aid import services
from assist.mutual_aid.models import Enrolment, PlanTerm
from assist.mutual_aid.roster import RosterLine

REGIONS = ["320502", "320503", "320505", "320506", "320508", "320506"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文红玉兰志强海燕国庆春梅"

#: (station, unit name, staff, union members, share of staff enrolled)
UNITS = [
    ("SZ-GS-PJ", "苏州丝绸印染厂工会", 86, 80, 0.75),
    ("SZ-GS-PJ", "平江历史街区商户联合工会", 9, 9, 1.0),
    ("SZ-GS-CL", "沧浪区环卫所工会", 64, 60, 0.9),
    ("SZ-GS-JC", "石路商业集团工会", 120, 104, 0.62),
    ("SZ-WZ-CQ", "长桥精密机械有限公司工会", 58, 50, 0.7),
    ("SZ-WZ-CQ", "吴中公交第三车队工会", 40, 40, 1.0),
    ("SZ-WZ-MD", "木渎古镇旅游服务公司工会", 35, 30, 0.8),
    ("SZ-WZ-MD", "木渎社区卫生服务中心工会", 8, 8, 1.0),
]

HOSPITAL_RULES = {"daily_fen": 5000, "franchise_days": 3, "term_cap_fen": 450_000}
CRITICAL_RULES = {
    "illnesses": [
        {"code": "cancer", "name": "恶性肿瘤"},
        {"code": "mi", "name": "急性心肌梗塞"},
        {"code": "stroke", "name": "脑中风后遗症"},
        {"code": "cabg", "name": "冠状动脉搭桥术"},
        {"code": "renal", "name": "尿毒症"},
        {"code": "transplant", "name": "重大器官移植术或造血干细胞移植术"},
        {"code": "liver", "name": "终末期肝病"},
        {"code": "paralysis", "name": "瘫痪"},
    ],
    "grades": [{"from_day": 30, "amount_fen": 50_000}, {"from_day": 91, "amount_fen": 1_000_000}],
    "term_cap_fen": 1_000_000,
}
WOMEN_RULES = {
    "illnesses": [
        {"code": "breast", "name": "乳腺癌"},
        {"code": "cervical", "name": "宫颈癌"},
        {"code": "ovarian", "name": "卵巢癌"},
        {"code": "uterine", "name": "子宫内膜癌"},
    ],
    "grades": [{"from_day": 30, "amount_fen": 30_000}, {"from_day": 91, "amount_fen": 500_000}],
    "term_cap_fen": 500_000,
}

PDF = b"%PDF-1.4\n% demo claim document (fictitious)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def demo_uscc(n: int) -> str:
    body = f"91320508{700_000_000 + n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def _user(code: str, role: Role) -> User:
    return db.session.scalars(select(User).where(User.username == demo_username(code, role))).one()


def _centre(code: str) -> Centre:
    return db.session.scalars(select(Centre).where(Centre.code == code)).one()


def _term(label, start: date, years: int, fee: int, subsidy: int, rules: dict, today: date):
    return services.TermInput(
        label=label,
        cover_start=start,
        cover_end=start.replace(year=start.year + years) - timedelta(days=1),
        window_opens=start - timedelta(days=61),
        window_closes=today + timedelta(days=20),
        fee_fen=fee,
        subsidy_fen=subsidy,
        rules=rules,
    )


def _people(rng: random.Random, n: int, used: set[str]) -> list[RosterLine]:
    lines = []
    while len(lines) < n:
        birth = date(rng.randint(1966, 2002), rng.randint(1, 12), rng.randint(1, 28))
        number = make_resident_id(rng.choice(REGIONS), birth, rng.randint(800, 899))
        if number in used:
            continue
        used.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        lines.append(RosterLine(row_no=len(lines) + 3, name=name, id_raw=number))
    return lines


def _attach(case, user, kinds) -> None:
    for kind in kinds:
        add_case_attachment(
            case,
            FileStorage(BytesIO(PDF), filename=f"{kind}.pdf", content_type="application/pdf"),
            acting_user=user,
            kind=kind,
        )


@seeder("mutual_aid")
def seed_mutual_aid(rng: random.Random) -> str:
    """Plans, units, rosters, fees and claims, through the real services."""
    today = local_today()
    admin = _user("SZ", Role.ADMIN)
    start = today - timedelta(days=200)
    hospital_plan = services.create_plan(
        acting_user=admin, code="ZYJT", name="在职职工住院津贴互助保障计划", kind="hospital"
    )
    hospital = services.add_term(
        hospital_plan,
        acting_user=admin,
        data=_term(str(start.year), start, 1, 8000, 3000, HOSPITAL_RULES, today),
    )
    critical_plan = services.create_plan(
        acting_user=admin, code="ZDJB", name="在职职工重大疾病互助保障计划", kind="critical_illness"
    )
    critical = services.add_term(
        critical_plan,
        acting_user=admin,
        data=_term(str(start.year), start, 3, 6000, 2000, CRITICAL_RULES, today),
    )
    women_plan = services.create_plan(
        acting_user=admin,
        code="NZG",
        name="女职工特殊疾病互助保障计划",
        kind="women",
        base_plan=critical_plan,
    )
    women_input = _term(str(start.year), start, 2, 4000, 1000, WOMEN_RULES, today)
    women_input.sex = "F"
    women = services.add_term(women_plan, acting_user=admin, data=women_input)

    # A few demo household heads work in the first units: the link to their file shows.
    heads = db.session.scalars(
        select(Applicant).where(Applicant.status == FileStatus.ACTIVE).order_by(Applicant.id)
    ).all()[:6]
    used: set[str] = set()
    batches = []
    members = 0
    for n, (code, name, staff, union_members, share) in enumerate(UNITS, start=1):
        centre = _centre(code)
        caseworker = _user(code, Role.CASEWORKER)
        unit = services.create_unit(
            acting_user=caseworker,
            centre=centre,
            data=services.UnitInput(
                name=name,
                uscc=demo_uscc(n),
                staff_count=staff,
                union_members=union_members,
                contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                contact_phone=f"1380000{7000 + n:04d}",
                address=f"苏州市示例路{n * 10}号",
            ),
        )
        lines = _people(rng, round(staff * share), used)
        if n == 1:
            for i, head in enumerate(heads):
                lines[i] = RosterLine(lines[i].row_no, head.name, head.id_number)
        for term in (hospital, critical):
            report = services.check_roster(unit, term, lines, today=today)
            batches.append(services.enrol(report, acting_user=caseworker, skip_bad=True))
        women_lines = [
            line for line in lines if int(line.id_raw[16]) % 2 == 0 and rng.random() < 0.7
        ]
        if women_lines:
            report = services.check_roster(unit, women, women_lines, today=today)
            if not report.unit_problems:
                batches.append(services.enrol(report, acting_user=caseworker, skip_bad=True))
        members += len(lines)

    finance = _user("SZ", Role.FINANCE)
    mutual = fund_services.create_fund(
        acting_user=finance,
        name="职工互助保障金",
        source=FundSource.MUTUAL_AID,
        year=today.year,
        allowed_kinds=["mutual_aid"],
        note="会员会费与工会补贴；只用于互助保障理赔",
    )
    union = db.session.scalars(
        select(Fund).where(Fund.source == FundSource.UNION_FUNDS).order_by(Fund.id)
    ).first()
    fund_services.receive_funds(
        mutual,
        acting_user=finance,
        amount_fen=5_000_000,
        reference=f"苏工互〔{today.year}〕1号",
        note="上期互助保障金结转",
    )
    received = 0
    for i, batch in enumerate(batches):
        if i % 7 == 6:
            continue  # a few units have not paid yet
        services.receive_fee(
            batch,
            acting_user=finance,
            fund=mutual,
            reference=f"单位缴费回单{today.year}{i + 1:04d}",
            subsidy_fund=union,
        )
        received += 1
    claims = _seed_claims(rng, hospital, critical, mutual)
    db.session.flush()
    return (
        f"Mutual aid: 3 plans, {len(UNITS)} units, {members} members in {len(batches)} batches "
        f"({received} fees received), {claims} claims in every state."
    )


def _enrolments(term: PlanTerm, limit: int) -> list[Enrolment]:
    from assist.mutual_aid.models import EnrolmentBatch

    return list(
        db.session.scalars(
            select(Enrolment)
            .join(EnrolmentBatch, EnrolmentBatch.id == Enrolment.batch_id)
            .where(Enrolment.term_id == term.id, EnrolmentBatch.fee_received_at.is_not(None))
            .order_by(Enrolment.id)
            .limit(limit)
        )
    )


HOSPITAL_DOCS = ("id_copy", "diagnosis", "invoice", "medical_settlement")


def _seed_claims(rng, hospital: PlanTerm, critical: PlanTerm, mutual) -> int:
    today = local_today()
    people = _enrolments(hospital, 40)
    outcomes = [
        "paid",
        "paid",
        "paid",
        "paid",
        "ready",
        "submitted",
        "draft",
        "returned",
        "rejected",
        "short",
        "paid",
        "submitted",
    ]
    count = 0
    finance = _user("SZ", Role.FINANCE)
    for n, (enrolment, outcome) in enumerate(zip(people[::3], outcomes, strict=False)):
        code = enrolment.unit.centre.code
        caseworker = _user(code, Role.CASEWORKER)
        supervisor = _user(code, Role.SUPERVISOR)
        days = 2 if outcome == "short" else rng.randint(5, 20)
        admission = enrolment.cover_start + timedelta(days=rng.randint(15, 150))
        admission = min(admission, today - timedelta(days=days + 1))
        claim = services.record_claim(
            acting_user=caseworker,
            data=services.ClaimInput(
                enrolment=enrolment,
                event="hospital",
                event_day=admission,
                discharge=admission + timedelta(days=days),
                hospital=rng.choice(["苏州市立医院", "苏州大学附属第一医院", "吴中人民医院"]),
                diagnosis=rng.choice(["肺炎", "阑尾炎", "腰椎间盘突出", "骨折"]),
                bank_name="中国工商银行苏州分行",
                bank_account=f"622202110200{9000 + n:04d}{n % 10}",
            ),
        )
        count += 1
        if claim.case is None or outcome == "draft":
            continue
        case = claim.case
        _attach(case, caseworker, HOSPITAL_DOCS)
        case_services.submit_case(case, acting_user=caseworker, comment="单位工会已初审。")
        if outcome == "submitted":
            continue
        if outcome == "returned":
            case_services.return_case(case, acting_user=supervisor, comment="请补充出院小结。")
            continue
        if outcome == "rejected":
            case_services.reject_case(
                case, acting_user=supervisor, comment="住院医院不属于定点二级以上医院。"
            )
            continue
        case_services.approve_case(case, acting_user=supervisor, comment="材料齐全，同意给付。")
        if outcome == "paid":
            fund_services.pay_case(
                case,
                acting_user=finance,
                fund=mutual,
                amount_fen=case.amount_approved_fen,
                details=fund_services.PaymentDetails(
                    method=PaymentMethod.BANK_TRANSFER, reference=f"HZ{today:%Y%m%d}{n:04d}"
                ),
                idempotency_key=f"demo-mutual-aid-{n:04d}",
                centre=_centre("SZ"),
            )

    # A critical illness above the station's limit, recommended to the district.
    for enrolment, day, outcome in zip(
        _enrolments(critical, 3), (120, 60, 10), ("recommend", "paid", "waiting"), strict=False
    ):
        code = enrolment.unit.centre.code
        caseworker = _user(code, Role.CASEWORKER)
        claim = services.record_claim(
            acting_user=caseworker,
            data=services.ClaimInput(
                enrolment=enrolment,
                event="critical_illness",
                event_day=enrolment.continuous_since + timedelta(days=day),
                illness_code="cancer",
                diagnosis="恶性肿瘤（病理确诊）",
                bank_name="中国银行苏州分行",
                bank_account=f"62170012345678{day:04d}",
            ),
        )
        count += 1
        if claim.case is None:
            continue  # within the waiting period: refused with its code
        _attach(claim.case, caseworker, ("id_copy", "diagnosis"))
        case_services.submit_case(claim.case, acting_user=caseworker)
        supervisor = _user(code, Role.SUPERVISOR)
        if outcome == "recommend":
            case_services.recommend_case(
                claim.case,
                acting_user=supervisor,
                amount_fen=None,
                comment="超出本站审批权限，建议区中心审批。",
            )
        else:
            case_services.approve_case(claim.case, acting_user=supervisor)
            fund_services.pay_case(
                claim.case,
                acting_user=finance,
                fund=mutual,
                amount_fen=claim.case.amount_approved_fen,
                details=fund_services.PaymentDetails(
                    method=PaymentMethod.BANK_TRANSFER, reference=f"HZ{today:%Y%m%d}CI{day}"
                ),
                idempotency_key=f"demo-mutual-aid-ci-{day}",
                centre=_centre("SZ"),
            )
    return count
