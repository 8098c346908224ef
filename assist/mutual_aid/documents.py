"""Printed mutual-aid documents: a unit's enrolment certificate list and a member's certificate.

A claim's approval form and payment voucher are its aid case's (帮扶审批表, 付款凭证), issued
by the cases and funds documents. Builders return plain Chinese data; resident IDs print in
full only for the roles that may see them (audited by the document machinery).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assist.applicants.services import SENSITIVE_ROLES
from assist.auth.models import Role, User
from assist.cases.documents import register_member_block
from assist.cases.models import AidKind
from assist.core.errors import PermissionDenied
from assist.core.masking import mask_id
from assist.core.money import fen_to_capitals, format_yuan
from assist.core.scoping import get_scoped_or_404
from assist.core.timeutil import to_local
from assist.documents.plain import printed_labels
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db
from assist.mutual_aid.models import Enrolment, EnrolmentBatch
from assist.mutual_aid.services import claim_of_case

ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
PLAN_KINDS = {
    "hospital": "住院津贴",
    "critical_illness": "重大疾病",
    "accident": "意外伤害",
    "women": "女职工特殊疾病",
}


def _check(user: User) -> None:
    if not user.has_role(*ROLES):
        raise PermissionDenied(_("Your role does not allow this."))


def _id(enrolment: Enrolment, full_ids: bool) -> str:
    return enrolment.id_number if full_ids else mask_id(None, enrolment.id_last4)


def _term(term) -> dict:
    return {
        "plan_code": term.plan.code,
        "plan_name": term.plan.name,
        "plan_kind": PLAN_KINDS.get(term.plan.kind, term.plan.kind),
        "label": term.label,
        "cover_start": term.cover_start.isoformat(),
        "cover_end": term.cover_end.isoformat(),
        "fee": format_yuan(term.fee_fen),
        "subsidy": format_yuan(term.subsidy_fen),
        "staff_share": format_yuan(term.staff_share_fen),
    }


def load_batch(user: User, batch_id) -> EnrolmentBatch:
    _check(user)
    return get_scoped_or_404(EnrolmentBatch, batch_id, user)


def certificate_list_data(batch: EnrolmentBatch, full_ids: bool) -> dict:
    with printed_labels():
        rows = db.session.scalars(
            select(Enrolment).where(Enrolment.batch_id == batch.id).order_by(Enrolment.id)
        ).all()
        unit = batch.unit
        return {
            "batch_no": batch.batch_no,
            "unit": {
                "name": unit.name,
                "uscc": unit.uscc,
                "staff": unit.staff_count,
                "members": unit.union_members,
                "contact": unit.contact_name,
                "phone": unit.contact_phone,
            },
            "centre": unit.centre.name,
            "plan_centre": batch.term.plan.centre.name,
            "term": _term(batch.term),
            "is_renewal": batch.kind == "renewal",
            "rows": [
                {
                    "no": i,
                    "certificate_no": e.certificate_no,
                    "name": e.name,
                    "gender": "女" if e.gender == "F" else "男",
                    "id_number": _id(e, full_ids),
                    "continuous": e.continuous_since < e.cover_start,
                }
                for i, e in enumerate(rows, start=1)
            ],
            "count": len(rows),
            "staff_share": format_yuan(batch.staff_share_fen),
            "subsidy": format_yuan(batch.subsidy_fen),
            "total": format_yuan(batch.fee_total_fen),
            "total_capitals": fen_to_capitals(batch.fee_total_fen),
            "fee_received": batch.is_fee_received,
            "fee_reference": batch.fee_reference,
            "fee_received_on": f"{to_local(batch.fee_received_at):%Y-%m-%d}"
            if batch.fee_received_at
            else "",
        }


def load_enrolment(user: User, enrolment_id) -> Enrolment:
    _check(user)
    return get_scoped_or_404(Enrolment, enrolment_id, user)


def certificate_data(enrolment: Enrolment, full_ids: bool) -> dict:
    with printed_labels():
        from assist.mutual_aid.services import waiting_days

        return {
            "certificate_no": enrolment.certificate_no,
            "name": enrolment.name,
            "gender": "女" if enrolment.gender == "F" else "男",
            "id_number": _id(enrolment, full_ids),
            "unit": enrolment.unit.name,
            "plan_centre": enrolment.term.plan.centre.name,
            "term": _term(enrolment.term),
            "continuous_since": enrolment.continuous_since.isoformat(),
            "is_continuous": enrolment.continuous_since < enrolment.cover_start,
            "waiting_days": waiting_days(enrolment.term),
        }


register(
    DocumentSpec(
        kind="ma_certificate_list",
        title=_l("Mutual-aid enrolment certificate list"),
        template="mutual_aid/print_certificate_list.html",
        version="ma-certificate-list-1",
        load=load_batch,
        build=certificate_list_data,
        centre_id=lambda batch: batch.centre_id,
        label=lambda batch: batch.batch_no,
        full_id_roles=SENSITIVE_ROLES,
    )
)

register(
    DocumentSpec(
        kind="ma_certificate",
        title=_l("Mutual-aid member certificate"),
        template="mutual_aid/print_certificate.html",
        version="ma-certificate-1",
        load=load_enrolment,
        build=certificate_data,
        centre_id=lambda enrolment: enrolment.centre_id,
        label=lambda enrolment: enrolment.certificate_no,
        full_id_roles=SENSITIVE_ROLES,
    )
)


def _claim_member(case) -> dict | None:
    """The member block of a mutual-aid claim's approval form (certificate, plan, cover)."""
    claim = claim_of_case(case)
    if claim is None:
        return None
    e = claim.enrolment
    return {
        "certificate_no": e.certificate_no,
        "plan": f"{e.term.plan.name}（{e.term.label}期）",
        "cover": f"{e.cover_start:%Y-%m-%d} 至 {e.cover_end:%Y-%m-%d}",
        "unit": e.unit.name,
        "claim_no": claim.claim_no,
        "sex": "男" if e.gender == "M" else "女",
        "born": f"{e.birth_date:%Y-%m}",
    }


register_member_block(AidKind.MUTUAL_AID, _claim_member)
