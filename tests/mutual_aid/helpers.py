"""Helpers for the mutual-aid tests: plans with terms dated around today, rosters as files."""

import csv
import io
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import select
from stdnum.cn import uscc

from assist.core.crypto import keyed_hash
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.mutual_aid import services
from assist.mutual_aid.models import Enrolment, Plan, PlanTerm
from tests.factories import PDF, next_resident_id, user

HOSPITAL_RULES = {"daily_fen": 5000, "franchise_days": 3, "term_cap_fen": 450_000}
CRITICAL_RULES = {
    "illnesses": [
        {"code": "cancer", "name": "恶性肿瘤"},
        {"code": "stroke", "name": "脑中风后遗症"},
    ],
    "grades": [{"from_day": 30, "amount_fen": 50_000}, {"from_day": 91, "amount_fen": 1_000_000}],
    "term_cap_fen": 1_000_000,
}
WOMEN_RULES = {
    "illnesses": [{"code": "breast", "name": "乳腺癌"}],
    "grades": [{"from_day": 30, "amount_fen": 30_000}, {"from_day": 91, "amount_fen": 500_000}],
    "term_cap_fen": 500_000,
}


_units = iter(range(1, 10_000))


def make_uscc() -> str:
    """A fresh valid unified social credit code (its GB 32100 check character computed)."""
    body = f"91320508{next(_units):09d}"
    return body + uscc.calc_check_digit(body)


def running_term_input(label="T1", *, started_days_ago=200, **overrides) -> services.TermInput:
    """A one-year term that started `started_days_ago` days ago, its window still open."""
    today = local_today()
    start = today - timedelta(days=started_days_ago)
    values = dict(
        label=label,
        cover_start=start,
        cover_end=start + timedelta(days=364),
        window_opens=start - timedelta(days=60),
        window_closes=today + timedelta(days=10),
        fee_fen=8000,
        subsidy_fen=3000,
    )
    values.update(overrides)
    return services.TermInput(**values)


def make_plan(code, kind, rules, *, base=None, term=None, name=None) -> tuple[Plan, PlanTerm]:
    admin = user("sz.admin")
    plan = services.create_plan(
        acting_user=admin, code=code, name=name or f"{code} 互助保障计划", kind=kind, base_plan=base
    )
    data = term or running_term_input()
    data.rules = rules
    if kind == "women":
        data.sex = "F"
    term_row = services.add_term(plan, acting_user=admin, data=data)
    db.session.commit()
    return plan, term_row


def people(n, *, female=False, birth=date(1980, 3, 1)) -> list[tuple[str, str]]:
    return [(f"职工{i:03d}", next_resident_id(birth=birth, female=female)) for i in range(n)]


def xlsx(rows, header=("姓名", "身份证号")) -> bytes:
    """A roster workbook; an int or float ID is written as a number cell, as Excel would."""
    book = Workbook()
    sheet = book.active
    sheet.append(["某某公司工会 互助保障参保名册"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8", header=("姓名", "身份证号")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def upload(api, unit_id, term_id, data: bytes, *, dry_run=True, skip_bad=False, name="名册.xlsx"):
    return api.client.post(
        "/api/v1/mutual-aid/enrolments",
        data={
            "unit_id": str(unit_id),
            "term_id": str(term_id),
            "dry_run": "true" if dry_run else "false",
            "skip_bad": "true" if skip_bad else "false",
            "file": (io.BytesIO(data), name),
        },
        headers=api.headers,
        content_type="multipart/form-data",
    )


HOSPITAL_DOCS = ("id_copy", "diagnosis", "invoice", "medical_settlement")


def enrolment_of(id_number, term):
    return db.session.scalars(
        select(Enrolment).where(
            Enrolment.id_hash == keyed_hash(id_number), Enrolment.term_id == term.id
        )
    ).one()


def hospital_claim(api, enrolment, *, days=12, offset=10, expect=201):
    admission = enrolment.cover_start + timedelta(days=offset)
    response = api.post(
        "/mutual-aid/claims",
        json={
            "enrolment_id": enrolment.id,
            "event": "hospital",
            "event_date": admission.isoformat(),
            "discharge_date": (admission + timedelta(days=days)).isoformat(),
            "hospital": "苏州市立医院",
            "diagnosis": "肺炎",
            "bank_name": "中国工商银行苏州分行",
            "bank_account": "6222021102009876543",
        },
    )
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def attach(api, case_id, kinds):
    for kind in kinds:
        response = api.client.post(
            f"/api/v1/cases/{case_id}/attachments",
            data={"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")},
            headers=api.headers,
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_json()
