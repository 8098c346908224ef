"""Demo aid cases in every state, through the real services, for `flask seed-demo`."""

import random
from datetime import date

from sqlalchemy import select

from assist.applicants.models import (
    Applicant,
    Assessment,
    Category,
    FileStatus,
    ResidentId,
    SubsistenceStandard,
)
from assist.auth.models import User
from assist.cases import services
from assist.cases.models import AidKind
from assist.centres.models import Centre
from assist.core.crypto import keyed_hash
from assist.core.resident_id import make_resident_id
from assist.demo.cli import SEEDERS
from assist.extensions import db

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "海燕", "国华", "美玲", "德明", "丽娟", "卫东", "春梅"]
EMPLOYERS = ["苏州纺织厂", "姑苏环卫所", "吴中机械有限公司", "平江物业公司", "木渎丝绸厂"]


def _user(code: str, role: str) -> User:
    return db.session.scalars(select(User).where(User.username == f"{code.lower()}.{role}")).one()


def _ensure_files(rng: random.Random) -> list[Applicant]:
    """Use the active files there are; without any, add a few (the files seeder may not run)."""
    files = list(db.session.scalars(select(Applicant).where(Applicant.status == FileStatus.ACTIVE)))
    if files:
        return files
    if not db.session.scalars(select(SubsistenceStandard)).first():
        db.session.add(
            SubsistenceStandard(
                region_code="SZ",
                region_name="苏州市",
                monthly_fen=106_000,
                effective_from=date(2024, 7, 1),
            )
        )
    stations = db.session.scalars(select(Centre).where(Centre.tier == 3)).all()
    for n in range(12):
        centre = stations[n % len(stations)]
        number = make_resident_id(
            "320502",
            date(1960 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            100 + 2 * n + 1,
        )
        applicant = Applicant(
            file_no=f"{centre.code}-2026-F{n + 1:05d}",
            centre=centre,
            status=FileStatus.ACTIVE,
            category=Category.DEEP if n % 3 == 0 else Category.RELATIVE,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_hash=keyed_hash(number),
            gender="M",
            birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            phone=f"139{rng.randrange(10**8):08d}",
            address=f"苏州市姑苏区{rng.randrange(1, 200)}号",
            employer=rng.choice(EMPLOYERS),
            activated_on=date(2026, 1, 5),
        )
        applicant.id_number = number
        db.session.add(applicant)
        db.session.flush()
        db.session.add(ResidentId(id_hash=applicant.id_hash, applicant_id=applicant.id))
        db.session.add(
            Assessment(
                applicant=applicant,
                annual_income_fen=900_000,
                household_size=3,
                per_capita_monthly_fen=25_000,
                standard_monthly_fen=106_000,
                proposed_category=applicant.category,
                category=applicant.category,
            )
        )
        files.append(applicant)
    db.session.flush()
    return files


def seed_cases(rng: random.Random) -> str:
    files = _ensure_files(rng)
    made = 0
    plans = [
        (AidKind.LIVING, 150_000, "approve"),
        (AidKind.MEDICAL, 800_000, "recommend"),
        (AidKind.HOLIDAY, 100_000, "submit"),
        (AidKind.LIVING, 120_000, "draft"),
        (AidKind.MEDICAL, 180_000, "return"),
        (AidKind.HOLIDAY, 200_000, "approve"),
        (AidKind.LIVING, 90_000, "reject"),
        (AidKind.LEGAL, None, "submit"),
    ]
    for applicant, (kind, amount, step) in zip(files, plans, strict=False):
        code = applicant.centre.code
        caseworker = _user(code, "caseworker")
        supervisor = _user(code, "supervisor")
        data = services.CaseInput(
            kind=kind,
            applicant=applicant,
            amount_requested_fen=amount,
            self_paid_fen=(amount * 2 if kind == AidKind.MEDICAL else None),
            occasion="spring_festival" if kind == AidKind.HOLIDAY else "",
            service="劳动争议仲裁代理" if kind == AidKind.LEGAL else "",
            reason="家庭主要劳动力患病，收入骤减，生活困难。",
        )
        try:
            with db.session.begin_nested():
                case = services.create_case(acting_user=caseworker, data=data)
                if step != "draft":
                    services.submit_case(case, acting_user=caseworker)
                if step == "approve":
                    services.approve_case(case, acting_user=supervisor, comment="同意。")
                elif step == "recommend":
                    services.recommend_case(
                        case,
                        acting_user=supervisor,
                        amount_fen=amount,
                        comment="情况属实，超出本站审批权限，建议区级审批。",
                    )
                elif step == "return":
                    services.return_case(
                        case, acting_user=supervisor, comment="请补充医疗费用票据。"
                    )
                elif step == "reject":
                    services.reject_case(case, acting_user=supervisor, comment="家庭收入超过标准。")
            made += 1
        except services.DomainError:
            continue
    return f"cases: {made} demo aid cases"


SEEDERS.append(seed_cases)
