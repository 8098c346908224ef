"""民政核对: request files for civil affairs, their results matched back by resident ID.

Only households with a recorded consent (授权) are ever listed. The request file carries full
resident IDs (civil affairs matches on them), so it is generated on request for caseworkers
and supervisors only and every download is audited. A result is kept per household with its
source and date; when what civil affairs found would put the household in another category
(by the same rule as the assessment), the result waits in the supervisors' list.
"""

import io
from datetime import date

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from assist.applicants.labels import CATEGORY_LABELS
from assist.applicants.models import Applicant, Exclusion, FileStatus
from assist.applicants.services import (
    SENSITIVE_ROLES,
    find_standard,
    per_capita_monthly_fen,
    propose_category,
)
from assist.audit.services import record
from assist.auth.models import Role
from assist.core.crypto import keyed_hash
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.money import MoneyFormatError, parse_yuan
from assist.core.scoping import in_scope, scoped
from assist.core.timeutil import local_today, utcnow
from assist.exchange.models import VerificationItem, VerificationRequest, VerificationResult
from assist.extensions import db
from assist.imports.services import parse_date, read_sheet

MAX_FILES = 5_000
REQUEST_HEADERS = ["序号", "档案编号", "姓名", "身份证号", "家庭成员身份证号", "授权日期"]
RESULT_HEADERS = {
    "id_number": ("身份证号",),
    "on_dibao": ("是否低保", "低保"),
    "income": ("核对收入", "核对年收入", "家庭年收入"),
    "property": ("房产", "是否有房产"),
    "vehicle": ("车辆", "是否有车辆"),
    "checked_on": ("核对日期", "日期"),
}
YES = {"是", "有", "1", "Y", "YES", "TRUE"}
NO = {"否", "无", "0", "N", "NO", "FALSE", ""}


def _require(user, *roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def candidates(user, *, by: str, value: str = "", file_ids=()) -> list[Applicant]:
    """Active files in scope with a recorded consent, chosen by review due, category or hand."""
    stmt = scoped(select(Applicant), user, Applicant.centre_id).where(
        Applicant.status == FileStatus.ACTIVE, Applicant.consent_signed_on.is_not(None)
    )
    if by == "due":
        stmt = stmt.where(Applicant.review_due_on <= local_today())
    elif by == "category":
        stmt = stmt.where(Applicant.category == value)
    elif by == "hand":
        ids = [int(i) for i in file_ids if str(i).isdigit()][:MAX_FILES]
        stmt = stmt.where(Applicant.id.in_(ids))
    else:
        message = _("Choose how the files are selected.")
        raise ValidationError(message, fields={"by": message})
    return list(db.session.scalars(stmt.order_by(Applicant.file_no).limit(MAX_FILES)))


def create_request(user, *, by: str, value: str = "", file_ids=()) -> VerificationRequest:
    _require(user, *SENSITIVE_ROLES)
    files = candidates(user, by=by, value=value, file_ids=file_ids)
    if not files:
        message = _("No active file with a recorded consent matches this choice.")
        raise ValidationError(message, fields={"by": message})
    req = VerificationRequest(
        centre_id=user.centre_id,
        selection={"by": by, "value": value},
        total=len(files),
        created_by_id=user.id,
        items=[VerificationItem(applicant_id=a.id) for a in files],
    )
    db.session.add(req)
    db.session.flush()
    record(
        "verification.requested",
        acting_user=user,
        obj=req,
        centre=user.centre,
        after={"by": by, "value": value, "files": len(files)},
    )
    return req


def request_workbook(req: VerificationRequest, *, acting_user) -> bytes:
    """The request file (XLSX, documented layout: REQUEST_HEADERS); full IDs, so audited."""
    _require(acting_user, *SENSITIVE_ROLES)
    wb = Workbook()
    ws = wb.active
    ws.title = "核对申请"
    ws.append(REQUEST_HEADERS)
    for n, item in enumerate(req.items, start=1):
        a = item.applicant
        members = "；".join(m.id_number for m in a.members if m.id_number)
        ws.append([n, a.file_no, a.name, a.id_number, members, a.consent_signed_on.isoformat()])
    for column in ("D", "E"):  # IDs as text, never numbers
        for cell in ws[column]:
            cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    record(
        "verification.request_file_downloaded",
        acting_user=acting_user,
        obj=req,
        centre=req.centre,
        after={"files": req.total},
    )
    return out.getvalue()


def mark_sent(req: VerificationRequest, *, acting_user) -> None:
    _require(acting_user, *SENSITIVE_ROLES)
    if req.status == "sent":
        raise DomainError(_("This request is already recorded as sent."))
    req.status, req.sent_at, req.sent_by_id = "sent", utcnow(), acting_user.id
    record("verification.sent", acting_user=acting_user, obj=req, centre=req.centre)


def _flag(raw, field: str, row_no: int, problems: list) -> bool | None:
    text = str(raw if raw is not None else "").strip().upper()
    if text in YES:
        return True
    if text in NO:
        return False if text else None
    problems.append(_("Row %(row)d: “%(value)s” is not 是 or 否.", row=row_no, value=text[:20]))
    return None


def contradiction(applicant: Applicant, result: VerificationResult, today: date) -> str:
    """Why civil affairs' findings put the household in another category, or ''."""
    latest = applicant.latest_assessment
    standard = find_standard(applicant.centre, today)
    if latest is None or standard is None:
        return ""
    exclusions = []
    if result.has_property:
        exclusions.append(Exclusion.TWO_HOMES)
    if result.has_vehicle:
        exclusions.append(Exclusion.PRIVATE_CAR)
    income = result.checked_income_fen
    if income is None:
        income = latest.annual_income_fen
    implied = propose_category(
        per_capita_fen=per_capita_monthly_fen(
            income, latest.rigid_expenses_fen, latest.household_size
        ),
        standard_fen=standard.monthly_fen,
        annual_income_fen=income,
        hardship_costs_fen=latest.hardship_costs_fen,
        has_sudden_event=latest.has_sudden_event,
        exclusions=exclusions,
    )
    if implied == applicant.category:
        return ""
    return _(
        "Civil affairs' findings point to “%(implied)s”; the file is “%(category)s”.",
        implied=CATEGORY_LABELS.get(implied, implied),
        category=CATEGORY_LABELS.get(applicant.category, applicant.category),
    )


def import_results(filename: str, content: bytes, *, acting_user, request_id: int | None = None):
    """Record civil affairs' result file; return (results, problems by row)."""
    _require(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    sheet = read_sheet(filename, content)
    index = {}
    for key, names in RESULT_HEADERS.items():
        index[key] = next((i for i, h in enumerate(sheet.headers) if h in names), None)
    if index["id_number"] is None:
        message = _("The result file has no 身份证号 column.")
        raise ValidationError(message, fields={"file": message})

    def cell(row, key):
        i = index[key]
        return row[i] if i is not None and i < len(row) else None

    hashes = {}
    for row in sheet.rows:
        raw = cell(row, "id_number")
        if isinstance(raw, str):
            hashes[keyed_hash(raw.strip().upper())] = None
    found = {
        a.id_hash: a
        for a in db.session.scalars(
            scoped(select(Applicant), acting_user, Applicant.centre_id).where(
                Applicant.id_hash.in_(list(hashes))
            )
        )
    }
    today = local_today()
    problems: list[str] = []
    results = []
    for offset, row in enumerate(sheet.rows):
        row_no = offset + 2
        raw = cell(row, "id_number")
        if not isinstance(raw, str):
            problems.append(_("Row %(row)d: the ID is missing or stored as a number.", row=row_no))
            continue
        applicant = found.get(keyed_hash(raw.strip().upper()))
        if applicant is None:
            problems.append(_("Row %(row)d: no file in your centres holds this ID.", row=row_no))
            continue
        income = cell(row, "income")
        income_fen = None
        if income not in (None, ""):
            try:
                income_fen = parse_yuan(
                    f"{income:.2f}" if isinstance(income, (int, float)) else str(income)
                )
            except MoneyFormatError:
                problems.append(_("Row %(row)d: the income cannot be read.", row=row_no))
                continue
        result = VerificationResult(
            applicant_id=applicant.id,
            request_id=request_id,
            on_dibao=_flag(cell(row, "on_dibao"), "on_dibao", row_no, problems),
            checked_income_fen=income_fen,
            has_property=bool(_flag(cell(row, "property"), "property", row_no, problems)),
            has_vehicle=bool(_flag(cell(row, "vehicle"), "vehicle", row_no, problems)),
            checked_on=parse_date(cell(row, "checked_on")) or today,
            source=_("Civil affairs check, file %(file)s", file=filename)[:200],
            imported_by_id=acting_user.id,
        )
        result.applicant = applicant
        result.contradiction = contradiction(applicant, result, today)
        db.session.add(result)
        results.append(result)
    db.session.flush()
    record(
        "verification.results_imported",
        acting_user=acting_user,
        object_type="verification_results",
        centre=acting_user.centre,
        after={
            "file": filename[:100],
            "results": len(results),
            "contradictions": sum(bool(r.contradiction) for r in results),
            "problems": len(problems),
        },
    )
    return results, problems


def latest_result(applicant: Applicant) -> VerificationResult | None:
    return db.session.scalars(
        select(VerificationResult)
        .where(VerificationResult.applicant_id == applicant.id)
        .order_by(VerificationResult.checked_on.desc(), VerificationResult.id.desc())
        .limit(1)
    ).first()


def contradictions_stmt(user):
    """Results contradicting their file's category, not yet looked at: the reviewer's list."""
    return (
        select(VerificationResult)
        .join(Applicant, Applicant.id == VerificationResult.applicant_id)
        .where(
            VerificationResult.contradiction != "",
            VerificationResult.reviewed_at.is_(None),
        )
        .where(in_scope(user, Applicant.centre_id))
        .order_by(VerificationResult.id)
    )


def mark_reviewed(result: VerificationResult, *, acting_user) -> None:
    _require(acting_user, Role.SUPERVISOR)
    if result.reviewed_at is not None:
        raise DomainError(_("This result has already been looked at."))
    result.reviewed_at, result.reviewed_by_id = utcnow(), acting_user.id
    record(
        "verification.contradiction_reviewed",
        acting_user=acting_user,
        obj=result,
        centre=result.applicant.centre,
    )
