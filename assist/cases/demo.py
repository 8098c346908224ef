"""Demo aid cases in every state, through the real services, for `flask seed-demo`.

They go to the demo households the files seeder has put on file (it runs first), a few at
each station; medical cases carry a fictitious diagnosis certificate (the returned one is
asked for the invoices).
"""

import random
from io import BytesIO

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from assist.applicants.models import Applicant, FileStatus
from assist.attachments.models import AttachmentKind
from assist.auth.models import Role, User
from assist.cases import services
from assist.cases.attachments import add_case_attachment
from assist.cases.models import AidCase, AidKind
from assist.demo.cli import SEEDERS, demo_username
from assist.extensions import db

#: (kind, amount requested in 分, how far the case goes) for each station's households.
PLANS = [
    (AidKind.LIVING, 150_000, "approve"),
    (AidKind.MEDICAL, 800_000, "recommend"),
    (AidKind.HOLIDAY, 100_000, "submit"),
    (AidKind.LIVING, 120_000, "draft"),
    (AidKind.MEDICAL, 180_000, "return"),
    (AidKind.HOLIDAY, 200_000, "approve"),
    (AidKind.LIVING, 90_000, "reject"),
    (AidKind.LEGAL, None, "submit"),
]

DIAGNOSIS_PDF = (
    b"%PDF-1.4\n% demo diagnosis certificate (fictitious)\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
)


def _user(code: str, role: Role) -> User:
    username = demo_username(code, role)
    return db.session.scalars(select(User).where(User.username == username)).one()


def _households(rng: random.Random) -> list[Applicant]:
    """A few active demo files per station, in a reproducible order."""
    by_centre: dict[int, list[Applicant]] = {}
    active = select(Applicant).where(Applicant.status == FileStatus.ACTIVE).order_by(Applicant.id)
    for applicant in db.session.scalars(active):
        by_centre.setdefault(applicant.centre_id, []).append(applicant)
    chosen = []
    for files in by_centre.values():
        chosen.extend(rng.sample(files, min(len(PLANS), len(files))))
    return chosen


def seed_cases(rng: random.Random) -> str:
    made = 0
    households = _households(rng)
    for n, applicant in enumerate(households):
        kind, amount, step = PLANS[n % len(PLANS)]
        code = applicant.centre.code
        caseworker = _user(code, Role.CASEWORKER)
        supervisor = _user(code, Role.SUPERVISOR)
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
                if kind == AidKind.MEDICAL:
                    add_case_attachment(
                        case,
                        FileStorage(BytesIO(DIAGNOSIS_PDF), filename="诊断证明书.pdf"),
                        acting_user=caseworker,
                        kind=AttachmentKind.DIAGNOSIS,
                    )
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
    states = db.session.execute(
        select(AidCase.status, func.count()).group_by(AidCase.status).order_by(AidCase.status)
    ).all()
    stations = len({a.centre_id for a in households})
    by_state = ", ".join(f"{status} {n}" for status, n in states)
    return f"Aid cases: {made} at {stations} stations ({by_state})."


SEEDERS.append(seed_cases)
