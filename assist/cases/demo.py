"""Demo aid cases in every state, through the real services, for `flask seed-demo`.

They go to the demo households the files seeder has put on file (it runs first), a few at
each station; medical cases carry a fictitious diagnosis certificate (the returned one is
asked for the invoices).

A few cases at each station go all the way to ready to pay, each step taken by the demo
user whose job it is: the station's caseworker submits; the station's supervisor approves
within the station's limit, or recommends up to the district (and, above the district's
limit, the district's supervisor recommends on to the city), whose supervisor approves;
the public notice starts. So that the story reaches payment today, the notice of those
cases ends now (their `notice_ends_at` is brought forward) and the real
`close_expired_notices` service moves them to ready to pay. The funds seeder pays them.
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
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.core.timeutil import utcnow
from assist.demo.cli import demo_username, seeder
from assist.extensions import db

#: (kind, amount requested in 分, how far the case goes) for each station's households.
#: "pay": approved by the station, notice over, ready to pay; "district" / "city": the same
#: after approval up the tiers; "approve": in public notice; "recommend": waiting at the district.
PLANS = [
    (AidKind.LIVING, 150_000, "pay"),
    (AidKind.MEDICAL, 800_000, "district"),
    (AidKind.HOLIDAY, 80_000, "pay"),
    (AidKind.MEDICAL, 1_500_000, "city"),
    (AidKind.MEDICAL, 600_000, "recommend"),
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


def _end_notices(cases: list[AidCase]) -> None:
    """End the public notice of these cases now, through the service that closes notices."""
    now = utcnow()
    for case in cases:
        if case.status == CaseStatus.IN_NOTICE:
            case.notice_ends_at = now
    db.session.flush()
    services.close_expired_notices(now=now, limit=len(cases) + 1)


@seeder("cases")
def seed_cases(rng: random.Random) -> str:
    made = 0
    to_close: list[AidCase] = []
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
                if step in ("approve", "pay"):
                    services.approve_case(case, acting_user=supervisor, comment="情况属实，同意。")
                elif step in ("recommend", "district", "city"):
                    services.recommend_case(
                        case,
                        acting_user=supervisor,
                        amount_fen=amount,
                        comment="情况属实，超出本站审批权限，建议区级审批。",
                    )
                    district = applicant.centre.parent
                    if step == "district":
                        services.approve_case(
                            case,
                            acting_user=_user(district.code, Role.SUPERVISOR),
                            comment=f"经区中心审核，同意救助{amount // 100}元。",
                        )
                    elif step == "city":
                        services.recommend_case(
                            case,
                            acting_user=_user(district.code, Role.SUPERVISOR),
                            amount_fen=amount,
                            comment="情况属实，超出区级审批权限，建议市级审批。",
                        )
                        services.approve_case(
                            case,
                            acting_user=_user(district.parent.code, Role.SUPERVISOR),
                            comment=f"经市中心审核，同意救助{amount // 100}元。",
                        )
                elif step == "return":
                    services.return_case(
                        case, acting_user=supervisor, comment="请补充医疗费用票据。"
                    )
                elif step == "reject":
                    services.reject_case(case, acting_user=supervisor, comment="家庭收入超过标准。")
                if step in ("pay", "district", "city"):
                    to_close.append(case)
            made += 1
        except services.DomainError:
            continue
    _end_notices(to_close)
    states = db.session.execute(
        select(AidCase.status, func.count()).group_by(AidCase.status).order_by(AidCase.status)
    ).all()
    stations = len({a.centre_id for a in households})
    by_state = ", ".join(f"{status} {n}" for status, n in states)
    return f"Aid cases: {made} at {stations} stations ({by_state})."
