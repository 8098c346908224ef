"""Reading cases: scoped lists, the work queues and their figures."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from assist.applicants.models import Applicant
from assist.applicants.queries import like_escape, register_aid_source
from assist.auth.models import Role, User
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus
from assist.centres.scoping import scoped

S = CaseStatus

#: When the case reached its current state (edits and decisions recorded on the way don't count).
waiting_since = (
    select(func.max(CaseEvent.at))
    .where(
        CaseEvent.case_id == AidCase.id,
        CaseEvent.action.notin_(("edit", "record_decision")),
    )
    .correlate(AidCase)
    .scalar_subquery()
)


#: Money cases count as aid once approved and not held by an objection or taken back.
HELPED_MONEY_STATUSES = (
    S.APPROVED,
    S.IN_NOTICE,
    S.READY_TO_PAY,
    S.PARTLY_PAID,
    S.PAID,
    S.CLOSED,
)
NON_MONEY_KINDS = tuple(k for k in AidKind if not k.is_money)


def helped_households() -> Select:
    """Files that received money aid (approved or paid) or a service (legal, job aid given)."""
    money = and_(AidCase.kind.notin_(NON_MONEY_KINDS), AidCase.status.in_(HELPED_MONEY_STATUSES))
    # A service counts once given: the case closes with the service recorded.
    service = and_(AidCase.kind.in_(NON_MONEY_KINDS), AidCase.status == S.CLOSED)
    return select(AidCase.applicant_id).where(
        AidCase.applicant_id.is_not(None), or_(money, service)
    )


register_aid_source(helped_households)


def search(stmt: Select, q: str) -> Select:
    """Narrow a case query to a case number, file number or name containing `q`."""
    like = "%" + like_escape(q.strip()) + "%"
    return stmt.outerjoin(Applicant, AidCase.applicant_id == Applicant.id).where(
        or_(
            AidCase.case_no.ilike(like, escape="\\"),
            Applicant.file_no.ilike(like, escape="\\"),
            Applicant.name.ilike(like, escape="\\"),
            AidCase.person_name.ilike(like, escape="\\"),
        )
    )


def visible_cases(user: User) -> Select:
    """Every case in the user's subtree."""
    return scoped(select(AidCase), user, AidCase.centre_id).options(
        selectinload(AidCase.applicant), selectinload(AidCase.centre)
    )


@dataclass(frozen=True)
class QueueDef:
    key: str
    title: object
    roles: tuple
    statuses: tuple
    own_centre_only: bool = False  # waiting at the user's own centre (approvals)
    service_only: bool = False  # only legal / job aid (approved: service to be given)


QUEUES = (
    QueueDef(
        "drafts",
        _l("Drafts and returned cases"),
        (Role.CASEWORKER,),
        (S.DRAFT, S.RETURNED),
    ),
    QueueDef(
        "approvals",
        _l("Waiting for your approval"),
        (Role.SUPERVISOR,),
        (S.SUBMITTED,),
        own_centre_only=True,
    ),
    QueueDef(
        "objections",
        _l("Held by objections"),
        (Role.SUPERVISOR,),
        (S.ON_HOLD,),
    ),
    QueueDef(
        "to_pay",
        _l("Ready to pay"),
        (Role.FINANCE,),
        (S.READY_TO_PAY, S.PARTLY_PAID),
    ),
    QueueDef(
        "services",
        _l("Services to give"),
        (Role.CASEWORKER,),
        (S.APPROVED,),
        service_only=True,
    ),
    QueueDef(
        "to_close",
        _l("Paid, to close"),
        (Role.CASEWORKER,),
        (S.PAID,),
    ),
)
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def queues_for(user: User) -> list[QueueDef]:
    return [q for q in QUEUES if user.has_role(*q.roles)]


def queue_stmt(user: User, queue: QueueDef) -> Select:
    stmt = visible_cases(user).where(AidCase.status.in_(queue.statuses))
    if queue.own_centre_only:
        stmt = stmt.where(AidCase.approval_centre_id == user.centre_id)
    if queue.service_only:
        stmt = stmt.where(AidCase.kind.in_((AidKind.LEGAL, AidKind.JOB)))
    return stmt


def amount_column(queue: QueueDef):
    """The amount that matters in a queue: requested before approval, approved after it."""
    if queue.key in ("drafts", "approvals"):
        return func.coalesce(AidCase.amount_requested_fen, 0)
    if queue.key == "to_pay":
        return AidCase.unpaid_fen
    return func.coalesce(AidCase.amount_approved_fen, 0)
