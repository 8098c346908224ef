"""Helpers for the hardship-file tests: form data and shortcuts."""

import io
import re
from datetime import date

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.audit.models import AuditEntry
from assist.extensions import db
from tests.conftest import post_form
from tests.factories import PDF, make_standard, next_resident_id


def form_data(centre=None, **overrides) -> dict:
    """A complete, valid registration form for a two-person household."""
    data = {
        "name": "王建国",
        "id_number": next_resident_id(),
        "phone": "13912345678",
        "address": "苏州市姑苏区示例路1号",
        "employer": "苏州示例纺织有限公司",
        "work_status": "laid_off",
        "health": "chronic",
        "health_notes": "高血压",
        "is_union_member": "y",
        "bank_name": "苏州银行",
        "bank_account": "6222020000000000123",
        "main_cause": "illness",
        "secondary_causes": ["unemployment"],
        "consent_signed_on": "2026-01-05",
        "annual_income": "24000.00",
        "rigid_expenses": "3600.00",
        "hardship_costs": "0",
        "members-0-relation": "spouse",
        "members-0-name": "李秀英",
        "members-0-id_number": next_resident_id(female=True),
        "members-0-monthly_income": "800.00",
        "members-0-health": "serious",
    }
    if centre is not None:
        data["centre"] = str(centre.id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(client, centre, *, consent=True, **overrides):
    """POST the registration form as a browser would (multipart, with the consent scan)."""
    data = form_data(centre, **overrides)
    if consent:
        data["consent_scan"] = (io.BytesIO(PDF), "consent.pdf")
    return post_form(
        client,
        "/files/new",
        data,
        token_from="/files/new",
        content_type="multipart/form-data",
    )


def applicant_count() -> int:
    return db.session.scalar(select(func.count(Applicant.id))) or 0


def audit_actions(obj_id=None) -> list[str]:
    stmt = select(AuditEntry.action).order_by(AuditEntry.id)
    if obj_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(obj_id))
    return list(db.session.scalars(stmt))


def latest_applicant() -> Applicant:
    db.session.expire_all()
    return db.session.scalars(select(Applicant).order_by(Applicant.id.desc())).first()


def standard():
    """The SZ demo standard, 1,060 yuan a month, in force since 2020."""
    std = make_standard(region_code="SZ", monthly_fen=106_000, effective_from=date(2020, 1, 1))
    db.session.commit()
    return std


def field_errors(html: str) -> dict[str, str]:
    """The error messages shown beside fields, by field name."""
    return {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r'data-field-error="([^"]+)">([^<]*)<', html)
    }
