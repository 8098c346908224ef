"""Coverage and results: per unit, and summed per centre (station, district, city) in scope.

Every figure is one grouped query per kind of fact (members, fees, claims, payments), so a
page costs the same few statements however many members there are.
"""

import io
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from assist.applicants.models import Applicant, FileStatus
from assist.cases.models import AidCase, CaseStatus
from assist.core.masking import mask_id
from assist.core.money import fen_to_decimal_str
from assist.core.scoping import scoped, scoped_centres
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds.models import Payment, PaymentStatus
from assist.mutual_aid.models import Claim, Enrolment, EnrolmentBatch, PlanTerm, Unit

PAID = (CaseStatus.PAID, CaseStatus.CLOSED)
SETTLED = (CaseStatus.PAID, CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)


@dataclass
class Figures:
    """One row of the coverage table (a unit, or a centre's subtree)."""

    label: str
    code: str = ""
    units_enrolled: int = 0
    staff: int = 0
    union_members: int = 0
    members: int = 0
    fees_fen: int = 0
    subsidies_fen: int = 0
    claims: int = 0
    claims_paid: int = 0
    claims_refused: int = 0
    paid_fen: int = 0
    days_to_pay_total: float = 0.0

    @property
    def share_of_members(self) -> float | None:
        return self.members / self.union_members if self.union_members else None

    @property
    def share_of_staff(self) -> float | None:
        return self.members / self.staff if self.staff else None

    @property
    def payout_ratio(self) -> float | None:
        return self.paid_fen / self.fees_fen if self.fees_fen else None

    @property
    def average_days_to_pay(self) -> float | None:
        return self.days_to_pay_total / self.claims_paid if self.claims_paid else None

    def add(self, other: "Figures") -> None:
        for name in (
            "units_enrolled",
            "staff",
            "union_members",
            "members",
            "fees_fen",
            "subsidies_fen",
            "claims",
            "claims_paid",
            "claims_refused",
            "paid_fen",
            "days_to_pay_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        def ratio(value):
            return None if value is None else round(value, 4)

        return {
            "label": self.label,
            "code": self.code,
            "units_enrolled": self.units_enrolled,
            "staff": self.staff,
            "union_members": self.union_members,
            "members": self.members,
            "share_of_union_members": ratio(self.share_of_members),
            "share_of_staff": ratio(self.share_of_staff),
            "fees": fen_to_decimal_str(self.fees_fen),
            "subsidies": fen_to_decimal_str(self.subsidies_fen),
            "claims_received": self.claims,
            "claims_paid": self.claims_paid,
            "claims_refused": self.claims_refused,
            "paid": fen_to_decimal_str(self.paid_fen),
            "payout_ratio": ratio(self.payout_ratio),
            "average_days_to_pay": ratio(self.average_days_to_pay),
        }


@dataclass
class Report:
    on: date
    centres: list[Figures] = field(default_factory=list)
    units: list[Figures] = field(default_factory=list)
    households_covered: int = 0
    households_without_cover: int = 0

    def as_dict(self) -> dict:
        return {
            "on": self.on.isoformat(),
            "centres": [f.as_dict() for f in self.centres],
            "units": [f.as_dict() for f in self.units],
            "hardship_households": {
                "with_cover": self.households_covered,
                "without_cover": self.households_without_cover,
            },
        }


def _covering(on: date):
    return and_(PlanTerm.cover_start <= on, PlanTerm.cover_end >= on)


def _days_between(later, earlier):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def figures(user, *, on: date | None = None) -> Report:
    """The coverage table for the user's scope on the day `on` (terms whose cover includes it)."""
    on = on or local_today()
    units = db.session.scalars(scoped(select(Unit), user, Unit.centre_id).order_by(Unit.id)).all()
    by_unit = {u.id: Figures(label=u.name, code=u.uscc) for u in units}
    unit_ids = select(Unit.id).where(Unit.id.in_(scoped(select(Unit.id), user, Unit.centre_id)))

    for unit_id, members in db.session.execute(
        select(Enrolment.unit_id, func.count(func.distinct(Enrolment.id_hash)))
        .join(PlanTerm, PlanTerm.id == Enrolment.term_id)
        .where(Enrolment.unit_id.in_(unit_ids), _covering(on))
        .group_by(Enrolment.unit_id)
    ):
        by_unit[unit_id].members = members
        by_unit[unit_id].units_enrolled = 1

    for unit_id, fees, subsidies in db.session.execute(
        select(
            EnrolmentBatch.unit_id,
            func.sum(EnrolmentBatch.fee_total_fen),
            func.sum(EnrolmentBatch.subsidy_fen),
        )
        .join(PlanTerm, PlanTerm.id == EnrolmentBatch.term_id)
        .where(
            EnrolmentBatch.unit_id.in_(unit_ids),
            EnrolmentBatch.fee_received_at.is_not(None),
            _covering(on),
        )
        .group_by(EnrolmentBatch.unit_id)
    ):
        by_unit[unit_id].fees_fen = int(fees or 0)
        by_unit[unit_id].subsidies_fen = int(subsidies or 0)

    first_paid = (
        select(Payment.case_id, func.min(Payment.paid_at).label("paid_at"))
        .where(Payment.status == PaymentStatus.PAID)
        .group_by(Payment.case_id)
        .subquery()
    )
    is_paid = AidCase.status.in_(PAID)
    is_refused = (Claim.refusal_code != "") | (AidCase.status == CaseStatus.REJECTED)
    for unit_id, claims, paid, refused, paid_fen, days in db.session.execute(
        select(
            Enrolment.unit_id,
            func.count(Claim.id),
            func.sum(case((is_paid, 1), else_=0)),
            func.sum(case((is_refused, 1), else_=0)),
            func.sum(func.coalesce(AidCase.paid_fen, 0)),
            func.sum(
                case(
                    (
                        is_paid,
                        _days_between(first_paid.c.paid_at, Claim.documents_complete_at),
                    ),
                    else_=0,
                )
            ),
        )
        .select_from(Claim)
        .join(Enrolment, Enrolment.id == Claim.enrolment_id)
        .join(PlanTerm, PlanTerm.id == Enrolment.term_id)
        .outerjoin(AidCase, AidCase.id == Claim.case_id)
        .outerjoin(first_paid, first_paid.c.case_id == Claim.case_id)
        .where(Enrolment.unit_id.in_(unit_ids), _covering(on))
        .group_by(Enrolment.unit_id)
    ):
        row = by_unit[unit_id]
        row.claims = claims
        row.claims_paid = int(paid or 0)
        row.claims_refused = int(refused or 0)
        row.paid_fen = int(paid_fen or 0)
        row.days_to_pay_total = float(days or 0)

    for unit in units:
        row = by_unit[unit.id]
        if row.units_enrolled:
            row.staff = unit.staff_count
            row.union_members = unit.union_members

    centres = db.session.scalars(scoped_centres(user)).all()
    centre_rows = []
    for centre in centres:
        total = Figures(label=centre.name, code=centre.code)
        for unit in units:
            if unit.centre.path.startswith(centre.path):
                total.add(by_unit[unit.id])
        centre_rows.append(total)

    covered_hashes = (
        select(Enrolment.id_hash)
        .join(PlanTerm, PlanTerm.id == Enrolment.term_id)
        .where(_covering(on))
    )
    active = scoped(
        select(func.count(Applicant.id)).where(Applicant.status == FileStatus.ACTIVE),
        user,
        Applicant.centre_id,
    )
    covered = db.session.scalar(active.where(Applicant.id_hash.in_(covered_hashes))) or 0
    without = db.session.scalar(active.where(Applicant.id_hash.not_in(covered_hashes))) or 0
    return Report(
        on=on,
        centres=centre_rows,
        units=[by_unit[u.id] for u in units if by_unit[u.id].units_enrolled],
        households_covered=covered,
        households_without_cover=without,
    )


def households_without_cover(user, *, on: date | None = None, after: int = 0, limit: int = 50):
    """Active hardship files in scope whose head holds no cover on `on`; keyset pages."""
    on = on or local_today()
    covered_hashes = (
        select(Enrolment.id_hash)
        .join(PlanTerm, PlanTerm.id == Enrolment.term_id)
        .where(_covering(on))
    )
    stmt = scoped(
        select(Applicant).where(
            Applicant.status == FileStatus.ACTIVE,
            Applicant.id_hash.not_in(covered_hashes),
            Applicant.id > after,
        ),
        user,
        Applicant.centre_id,
    )
    return list(db.session.scalars(stmt.order_by(Applicant.id).limit(limit)))


def claim_list_options() -> tuple:
    """Load what a claims list shows with its page: no query per row."""
    return (
        joinedload(Claim.enrolment).joinedload(Enrolment.term).joinedload(PlanTerm.plan),
        joinedload(Claim.enrolment).joinedload(Enrolment.unit),
        joinedload(Claim.case).joinedload(AidCase.approval_centre),
    )


def overdue_stmt(stmt: Select, today: date | None = None) -> Select:
    """Limit a SELECT of claims to those past the payment time limit and not yet settled."""
    from assist.mutual_aid.services import overdue_cutoff

    return stmt.join(AidCase, AidCase.id == Claim.case_id).where(
        Claim.documents_complete_at < overdue_cutoff(today),
        AidCase.status.not_in(SETTLED),
    )


def export_xlsx(report: Report, households: list[Applicant]) -> bytes:
    """The coverage table and the households without cover as an Excel workbook."""
    from openpyxl import Workbook

    from assist.funds.exports import neutralise as safe_cell

    book = Workbook()
    sheet = book.active
    sheet.title = _("Coverage")
    headers = [
        _("Centre or unit"),
        _("Code"),
        _("Units enrolled"),
        _("Members enrolled"),
        _("Share of union members"),
        _("Share of staff"),
        _("Fees collected (yuan)"),
        _("Subsidies (yuan)"),
        _("Claims received"),
        _("Claims paid"),
        _("Claims refused"),
        _("Paid (yuan)"),
        _("Payout ratio"),
        _("Average days to pay"),
    ]
    sheet.append(headers)
    for row in report.centres + report.units:
        sheet.append(
            [
                safe_cell(row.label),
                safe_cell(row.code),
                row.units_enrolled,
                row.members,
                row.share_of_members,
                row.share_of_staff,
                row.fees_fen / 100,
                row.subsidies_fen / 100,
                row.claims,
                row.claims_paid,
                row.claims_refused,
                row.paid_fen / 100,
                row.payout_ratio,
                row.average_days_to_pay,
            ]
        )
    other = book.create_sheet(_("Without cover"))
    other.append([_("File number"), _("Name"), _("Resident ID"), _("Employer")])
    for applicant in households:
        other.append(
            [
                safe_cell(applicant.file_no),
                safe_cell(applicant.name),
                mask_id(None, applicant.id_last4),
                safe_cell(applicant.employer),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
