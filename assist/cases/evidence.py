"""What a decider needs on the page: the household, the cap, earlier aid, documents, warnings.

`decision_evidence` reads it for one case with a fixed number of statements, whatever the
household's history: every list is the latest few (`LIST_LIMIT`) with a flag saying there is
more, never a query per row. Personal data is masked as on the other pages: resident IDs always,
health never shown here; names and home-visit findings only to the roles that handle the
household's sensitive data (caseworkers and supervisors).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from assist.applicants.models import Applicant, Assessment, HomeVisit, HouseholdMember
from assist.applicants.services import OWNER_TYPE as FILE_OWNER_TYPE
from assist.applicants.services import SENSITIVE_ROLES
from assist.attachments.models import Attachment, AttachmentKind
from assist.auth.models import User
from assist.cases import caps, services
from assist.cases.attachments import OWNER_TYPE as CASE_OWNER_TYPE
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus, ObjectionStatus
from assist.centres.scoping import scoped
from assist.core.errors import DomainError
from assist.core.masking import mask_id, mask_name
from assist.core.money import format_yuan
from assist.core.timeutil import to_local
from assist.extensions import db

#: How many earlier cases, documents and timeline steps the panel lists (the latest ones).
LIST_LIMIT = 10
#: How many home visits the panel shows (the latest first).
VISIT_LIMIT = 3


@dataclass(frozen=True)
class Member:
    relation: str
    name: str
    monthly_income_fen: int
    is_student: bool


@dataclass(frozen=True)
class Visit:
    visited_on: date
    visitors: str
    findings: str | None  # None: not shown to this role


@dataclass(frozen=True)
class EarlierCase:
    id: int
    case_no: str
    kind: str
    status: str
    amount_fen: int | None
    on: datetime


@dataclass(frozen=True)
class Document:
    id: int
    kind: str
    name: str
    uploaded_at: datetime
    size_bytes: int
    is_image: bool


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


@dataclass
class Evidence:
    case: AidCase
    applicant: Applicant | None
    full: bool  # names and home-visit findings shown (caseworker, supervisor)
    head_name: str
    head_id: str
    category: str | None
    assessment: Assessment | None
    members: list[Member] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    more_visits: bool = False
    cap: caps.CapCheck | None = None
    cap_problem: str = ""
    cap_message: str = ""
    earlier: list[EarlierCase] = field(default_factory=list)
    more_earlier: bool = False
    documents: list[Document] = field(default_factory=list)
    more_documents: bool = False
    file_documents: list[Document] = field(default_factory=list)
    more_file_documents: bool = False
    events: list[CaseEvent] = field(default_factory=list)
    more_events: bool = False
    warnings: list[Warning] = field(default_factory=list)

    @property
    def income_band(self) -> str:
        """Where the per-capita income stands against the standard: below, 1–2×, at least 2×."""
        a = self.assessment
        if a is None:
            return ""
        if a.per_capita_monthly_fen < a.standard_monthly_fen:
            return "below"
        if a.per_capita_monthly_fen < 2 * a.standard_monthly_fen:
            return "between"
        return "above"


def _latest(stmt, limit: int) -> tuple[list, bool]:
    """The first `limit` rows of `stmt` and whether there are more (one statement)."""
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _as_documents(rows) -> list[Document]:
    return [
        Document(a.id, a.kind, a.original_name, a.uploaded_at, a.size_bytes, a.is_image)
        for a in rows
    ]


def _documents(owner_type: str, owner_id: int, *, exclude=()) -> tuple[list[Document], bool]:
    stmt = (
        select(Attachment)
        .where(
            Attachment.owner_type == owner_type,
            Attachment.owner_id == owner_id,
            Attachment.removed_at.is_(None),
        )
        .order_by(Attachment.id.desc())
    )
    if exclude:
        stmt = stmt.where(Attachment.kind.notin_(exclude))
    rows, more = _latest(stmt, LIST_LIMIT)
    return _as_documents(rows), more


def _decision_amount(case: AidCase) -> int:
    """The amount the cap is checked against: granted, else proposed, else requested."""
    if case.amount_approved_fen is not None:
        return case.amount_approved_fen
    return services.proposed_amount(case) or 0


def decision_evidence(
    case: AidCase,
    *,
    acting_user: User,
    timeline: bool = True,
    case_documents: list[Attachment] | None = None,
) -> Evidence:
    """Everything a decider looks at for `case`, read for `acting_user` (scoped and masked).

    `timeline=False` leaves out the case's timeline (the case page shows it in full);
    `case_documents` are the case's attachments when the page has already read them.
    """
    full = acting_user.has_role(*SENSITIVE_ROLES)
    applicant = case.applicant
    if applicant is not None:
        head_name, head_id = applicant.name, mask_id(None, applicant.id_last4)
    else:
        head_name, head_id = case.person_name, mask_id(None, case.person_id_last4)
    evidence = Evidence(
        case=case,
        applicant=applicant,
        full=full,
        head_name=head_name if full else mask_name(head_name),
        head_id=head_id,
        category=applicant.category if applicant is not None else None,
        assessment=None,
    )

    if applicant is not None:
        evidence.assessment = db.session.scalars(
            select(Assessment)
            .where(Assessment.applicant_id == applicant.id)
            .order_by(Assessment.id.desc())
            .limit(1)
        ).first()
        members = db.session.scalars(
            select(HouseholdMember)
            .where(HouseholdMember.applicant_id == applicant.id)
            .order_by(HouseholdMember.id)
        )
        evidence.members = [
            Member(
                m.relation,
                m.name if full else mask_name(m.name),
                m.monthly_income_fen,
                m.is_student,
            )
            for m in members
        ]
        visits, evidence.more_visits = _latest(
            select(HomeVisit)
            .where(HomeVisit.applicant_id == applicant.id)
            .order_by(HomeVisit.visited_on.desc(), HomeVisit.id.desc()),
            VISIT_LIMIT,
        )
        evidence.visits = [
            Visit(v.visited_on, v.visitors, v.findings if full else None) for v in visits
        ]
        evidence.file_documents, evidence.more_file_documents = _documents(
            FILE_OWNER_TYPE, applicant.id
        )

    if case.is_money:
        try:
            evidence.cap = caps.check_cap(case, _decision_amount(case))
        except DomainError as err:
            evidence.cap_problem = err.message
        else:
            evidence.cap_message = caps.cap_message(evidence.cap)

    evidence.earlier, evidence.more_earlier = _earlier_cases(case, acting_user)
    if case_documents is None:
        evidence.documents, evidence.more_documents = _documents(
            CASE_OWNER_TYPE, case.id, exclude=(AttachmentKind.COLLECTIVE_DECISION,)
        )
    else:
        supporting = [
            a for a in reversed(case_documents) if a.kind != AttachmentKind.COLLECTIVE_DECISION
        ]
        evidence.documents = _as_documents(supporting[:LIST_LIMIT])
        evidence.more_documents = len(supporting) > LIST_LIMIT
    if timeline:
        events, evidence.more_events = _latest(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id)
            .order_by(CaseEvent.id.desc())
            .options(selectinload(CaseEvent.user), selectinload(CaseEvent.centre)),
            LIST_LIMIT,
        )
        evidence.events = events
    evidence.warnings = _warnings(evidence)
    return evidence


def _earlier_cases(case: AidCase, user: User) -> tuple[list[EarlierCase], bool]:
    """The household's (or person's) other cases the user may see, the latest first."""
    same = []
    if case.applicant_id is not None:
        same.append(AidCase.applicant_id == case.applicant_id)
        if case.applicant is not None:
            same.append(AidCase.person_id_hash == case.applicant.id_hash)
    elif case.person_id_hash:
        same.append(AidCase.person_id_hash == case.person_id_hash)
    if not same:
        return [], False
    stmt = (
        scoped(select(AidCase), user, AidCase.centre_id)
        .where(or_(*same), AidCase.id != case.id)
        .order_by(AidCase.id.desc())
    )
    rows, more = _latest(stmt, LIST_LIMIT)
    return [
        EarlierCase(
            c.id,
            c.case_no,
            c.kind,
            c.status,
            c.amount_approved_fen if c.amount_approved_fen is not None else c.amount_requested_fen,
            c.approved_at or c.created_at,
        )
        for c in rows
    ], more


def _warnings(evidence: Evidence) -> list[Warning]:
    case = evidence.case
    warnings = []
    if not evidence.documents:
        warnings.append(
            Warning("no_documents", _("No supporting documents are attached to this case."))
        )
    cap = evidence.cap
    if cap is not None and cap.exceeded:
        warnings.append(Warning("cap_exceeded", evidence.cap_message))
    elif cap is not None and cap.nearly_used:
        warnings.append(
            Warning(
                "cap_nearly_used",
                _(
                    "With this case the yearly cap is %(percent)d %% used: %(after)s of "
                    "%(cap)s yuan.",
                    percent=cap.used_percent,
                    after=format_yuan(cap.after_fen),
                    cap=format_yuan(cap.cap_fen),
                ),
            )
        )
    if evidence.cap_problem:
        warnings.append(Warning("cap_unknown", evidence.cap_problem))
    open_objections = sum(1 for o in case.objections if o.status == ObjectionStatus.OPEN)
    if open_objections:
        warnings.append(
            Warning(
                "objections",
                _("%(n)d objection(s) to this case are open.", n=open_objections),
            )
        )
    if case.is_open:
        try:
            services.check_file_active(case)
        except DomainError as err:
            warnings.append(Warning("file_not_active", err.message))
    if case.status in (CaseStatus.IN_NOTICE, CaseStatus.ON_HOLD) and case.notice_ends_at:
        warnings.append(
            Warning(
                "notice_running",
                _(
                    "The public notice has not ended: it runs until %(day)s.",
                    day=to_local(case.notice_ends_at).strftime("%Y-%m-%d %H:%M"),
                ),
            )
        )
    return warnings


@dataclass
class HouseholdSummary:
    """The new-case form's view of the chosen household: category, income, the kind's cap."""

    applicant: Applicant
    kind: str
    assessment: Assessment | None
    cap: caps.CapCheck | None = None
    cap_problem: str = ""
    cap_later: bool = False  # the cap counts per student or per holiday: known on checking


def household_summary(
    applicant: Applicant | None, kind: str, *, occasion: str = "", school_level: str = ""
) -> HouseholdSummary | None:
    """What the new-case form shows for `applicant`: its category and this year's aid of `kind`
    against the cap (from the caps service: the figures saving will check)."""
    if applicant is None:
        return None
    summary = HouseholdSummary(
        applicant=applicant,
        kind=kind,
        assessment=db.session.scalars(
            select(Assessment)
            .where(Assessment.applicant_id == applicant.id)
            .order_by(Assessment.id.desc())
            .limit(1)
        ).first(),
    )
    try:
        kind_enum = AidKind(kind)
    except ValueError:
        return summary
    if not kind_enum.is_money or kind_enum == AidKind.MUTUAL_AID:
        return summary
    if kind_enum == AidKind.SCHOOLING or (kind_enum == AidKind.HOLIDAY and not occasion):
        summary.cap_later = True
        return summary
    try:
        summary.cap = caps.household_cap(
            kind_enum,
            centre=applicant.centre,
            applicant=applicant,
            occasion=occasion,
            school_level=school_level,
        )
    except DomainError as err:
        summary.cap_problem = err.message
    return summary
