"""Ledger imports: read the file, map its columns, check every row (dry run), then confirm.

The upload and every row are kept in the database, so the check and the import survive a
restart and run on any app server. The check works in bulk: the file's IDs are looked up in
one query, and each household is validated by the same rules as the registration form
(`validate_input`). Confirming registers each valid household through `register_household`,
so a file imported follows exactly the rules of a file typed in.
"""

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select

from assist.applicants.imported import activate_imported
from assist.applicants.models import Applicant, Cause, Relation
from assist.applicants.registration import describe_held_ids
from assist.applicants.services import (
    FileInput,
    MemberInput,
    register_household,
    validate_input,
)
from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.crypto import decrypt, encrypt, keyed_hash
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.masking import mask_id
from assist.core.money import MoneyFormatError, parse_yuan
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.imports.models import ImportMapping, LedgerImport, LedgerImportRow

#: The fields a ledger column can be mapped to, and the headings recognised without a mapping.
FIELDS = {
    "name": (_l("Person's name"), ("姓名", "户主姓名", "name")),
    "id_number": (_l("Resident ID"), ("身份证号", "身份证号码", "公民身份号码", "id_number")),
    "head_id_number": (
        _l("Head of household's ID (members only)"),
        ("户主身份证号", "head_id_number"),
    ),
    "relation": (_l("Relation to the head (members only)"), ("与户主关系", "relation")),
    "phone": (_l("Phone"), ("联系电话", "电话", "手机", "phone")),
    "address": (_l("Address"), ("住址", "家庭住址", "address")),
    "employer": (_l("Employer"), ("工作单位", "单位", "employer")),
    "consent_signed_on": (
        _l("Consent signed on"),
        ("授权日期", "授权书签署日期", "consent_signed_on"),
    ),
    "annual_income": (
        _l("Annual household income (yuan)"),
        ("家庭年收入", "年收入", "annual_income"),
    ),
    "monthly_income": (_l("Member's monthly income (yuan)"), ("月收入", "monthly_income")),
    "main_cause": (_l("Main cause"), ("主要致困原因", "致困原因", "main_cause")),
}
REQUIRED = ("name", "id_number")

RELATIONS = {
    "配偶": "spouse",
    "子女": "child",
    "父母": "parent",
    "兄弟姐妹": "sibling",
    "孙子女": "grandchild",
    "其他": "other",
}
CAUSES = {
    "疾病": "illness",
    "残疾": "disability",
    "失业": "unemployment",
    "子女上学": "schooling",
    "就学": "schooling",
    "灾害": "disaster",
    "意外": "accident",
    "其他": "other",
}
TARGETS = ("applied", "active")
MAX_ROWS = 50_000
#: The first bytes of an OLE2 compound file: an Excel 97-2003 workbook (.xls).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DATE_RE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list]  # raw cell values (str, int, float, datetime, None)
    encoding: str


# --- reading -------------------------------------------------------------------------------


def _refuse_file(message: str):
    raise ValidationError(message, fields={"file": message})


def read_sheet(filename: str, content: bytes, *, headers_only: bool = False) -> Sheet:
    """Read an .xlsx, an old .xls or a CSV (UTF-8 with or without BOM, else GB18030) into rows.

    With `headers_only` an .xlsx is read no further than its heading row (its row count
    comes from the sheet's dimensions), so an upload answers at once however big the file.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook gets the same answer
            _refuse_file(_("This file cannot be read as an Excel workbook (.xlsx)."))
        ws = wb.worksheets[0]
        if headers_only:
            first = next(ws.iter_rows(values_only=True, max_row=1), None)
            size = max((ws.max_row or 1) - 1, 0)
            wb.close()
            if not first or not any(v not in (None, "") for v in first):
                _refuse_file(_("The file is empty."))
            if size > MAX_ROWS:
                _refuse_file(_("A ledger file may hold at most %(n)d rows; split it.", n=MAX_ROWS))
            return Sheet([str(h or "").strip() for h in first], [None] * size, "xlsx")
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        encoding = "xlsx"
    elif name.endswith(".xls") or content[:8] == OLE2_MAGIC:
        if content[:8] != OLE2_MAGIC:
            _refuse_file(_("This file is not an Excel 97-2003 workbook (.xls)."))
        rows = _xls_rows(content)  # at most 65,536 rows: read whole even for the headings
        encoding = "xls"
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            _refuse_file(_("This CSV file is neither UTF-8 nor GBK text."))
        if "\x00" in text:
            _refuse_file(_("This file is not a text CSV file."))
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        _refuse_file(_("The file is empty."))
    if len(rows) - 1 > MAX_ROWS:
        _refuse_file(_("A ledger file may hold at most %(n)d rows; split it.", n=MAX_ROWS))
    headers = [str(h or "").strip() for h in rows[0]]
    return Sheet(headers, rows[1:], encoding)


def _xls_rows(content: bytes) -> list[list]:
    """An Excel 97-2003 workbook's first sheet, read by python-calamine.

    Calamine gives a number cell as int or float, a date cell as date/datetime and text as
    str, as openpyxl does for .xlsx, so an ID typed into a number cell is refused the same way.
    """
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        book.close()
    except PasswordError:
        _refuse_file(_("This workbook is protected by a password; save it without one."))
    except (CalamineError, ValueError, IndexError, OSError):
        _refuse_file(_("This file cannot be read as an Excel 97-2003 workbook (.xls)."))
    return [list(r) for r in rows]


def guess_mapping(headers: list[str], remembered: dict | None = None) -> dict:
    """The centre's remembered mapping where its headings still exist, else known headings."""
    mapping = {}
    for field_name, (_label, known) in FIELDS.items():
        chosen = (remembered or {}).get(field_name)
        if chosen in headers:
            mapping[field_name] = chosen
            continue
        for heading in headers:
            if heading.strip().lower() in known:
                mapping[field_name] = heading
                break
    return mapping


# --- cells ---------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(ch for ch in str(value) if ord(ch) >= 32).strip()


def parse_date(value) -> date | None:
    """Excel dates, serial numbers, and 2026-01-05, 2026.1.5 or 2026年1月5日; None if unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return EXCEL_EPOCH + timedelta(days=int(value))
    match = DATE_RE.match(_text(value))
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _amount(value) -> int | None:
    if value in (None, ""):
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:.2f}"
    try:
        return parse_yuan(_text(value))
    except MoneyFormatError:
        return None


# --- the dry run ---------------------------------------------------------------------------


def _require_importer(user, centre: Centre) -> None:
    if not user.has_role(Role.CASEWORKER):
        raise PermissionDenied(_("Only caseworkers may import ledgers."))
    if user.centre_id != centre.id:
        raise PermissionDenied(_("Ledgers are imported into your own centre."))


def upload(filename: str, content: bytes, *, acting_user) -> LedgerImport:
    """Keep the uploaded file in the database and propose a column mapping."""
    centre = acting_user.centre
    _require_importer(acting_user, centre)
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    if len(content) > limit:
        _refuse_file(
            _("The file is larger than %(mb)d MB; split the ledger.", mb=max(limit >> 20, 1))
        )
    sheet = read_sheet(filename, content, headers_only=True)
    remembered = db.session.get(ImportMapping, centre.id)
    batch = LedgerImport(
        centre_id=centre.id,
        filename=(filename or "")[:200],
        content=content,
        encoding=sheet.encoding,
        headers=sheet.headers,
        mapping=guess_mapping(sheet.headers, remembered.mapping if remembered else None),
        total=len(sheet.rows),
        created_by_id=acting_user.id,
    )
    db.session.add(batch)
    db.session.flush()
    record(
        "ledger_import.uploaded",
        acting_user=acting_user,
        obj=batch,
        centre=centre,
        after={"filename": batch.filename, "rows": batch.total, "encoding": sheet.encoding},
    )
    return batch


def set_mapping(batch: LedgerImport, mapping: dict, target_status: str, *, acting_user) -> None:
    """Choose the columns and the state of the files; remembered for the centre."""
    _require_importer(acting_user, batch.centre)
    if batch.status not in ("uploaded", "checked"):
        raise DomainError(_("This import has already been confirmed."))
    clean = {k: v for k, v in (mapping or {}).items() if k in FIELDS and v in batch.headers}
    errors = {f: _("Choose the column that holds this field.") for f in REQUIRED if f not in clean}
    if target_status not in TARGETS:
        errors["target_status"] = _("Choose the state the files take: 申请 or 在档.")
    if errors:
        raise ValidationError(_("Please correct the marked fields."), fields=errors)
    batch.mapping, batch.target_status = clean, target_status
    stored = db.session.get(ImportMapping, batch.centre_id)
    if stored is None:
        db.session.add(ImportMapping(centre_id=batch.centre_id, mapping=clean))
    else:
        stored.mapping = clean
    db.session.flush()


def _problem(problems: list, field_name: str, message: str) -> None:
    problems.append({"field": field_name, "message": message})


def check(batch: LedgerImport, *, acting_user, progress=None) -> LedgerImport:
    """The dry run: every row's problems by row number; nothing but the staging rows changes."""
    _require_importer(acting_user, batch.centre)
    if batch.status not in ("uploaded", "checked", "checking"):
        raise DomainError(_("This import has already been confirmed."))
    sheet = read_sheet(batch.filename, batch.content)
    index = {h: i for i, h in enumerate(sheet.headers)}
    mapping = batch.mapping

    def cell(raw_row, field_name):
        column = index.get(mapping.get(field_name, ""), None)
        return raw_row[column] if column is not None and column < len(raw_row) else None

    parsed = []
    for offset, raw in enumerate(sheet.rows):
        row_no = offset + 2  # the heading is row 1, as the spreadsheet numbers it
        problems: list = []
        values = {f: _text(cell(raw, f)) for f in FIELDS}
        id_cell = cell(raw, "id_number")
        if isinstance(id_cell, (int, float)) and not isinstance(id_cell, bool):
            _problem(
                problems,
                "id_number",
                _(
                    "The ID is stored as a number, so Excel has lost its last digits; it is "
                    "refused, not repaired. Format the column as Text and type the ID again."
                ),
            )
            values["id_number"] = ""
        values["id_number"] = values["id_number"].upper().replace(" ", "")
        values["head_id_number"] = values["head_id_number"].upper().replace(" ", "")
        consent = parse_date(cell(raw, "consent_signed_on"))
        values["consent_signed_on"] = consent.isoformat() if consent else ""
        if cell(raw, "consent_signed_on") not in (None, "") and consent is None:
            _problem(
                problems, "consent_signed_on", _("The date cannot be read; write it as 2026-01-05.")
            )
        for money in ("annual_income", "monthly_income"):
            amount = _amount(cell(raw, money))
            if amount is None:
                _problem(
                    problems, money, _("The amount cannot be read; write yuan such as 1500.00.")
                )
            values[money] = amount or 0
        is_member = (
            bool(values["head_id_number"]) and values["head_id_number"] != values["id_number"]
        )
        parsed.append(
            {"row_no": row_no, "values": values, "problems": problems, "is_member": is_member}
        )

    # duplicates within the file, and IDs already held anywhere in the network (one query)
    seen: dict[str, int] = {}
    for row in parsed:
        number = row["values"]["id_number"]
        if not number:
            continue
        if number in seen:
            _problem(
                row["problems"],
                "id_number",
                _("This ID appears twice in the file (first on row %(row)d).", row=seen[number]),
            )
        else:
            seen[number] = row["row_no"]
    hashes = {keyed_hash(n): n for n in seen}
    held = describe_held_ids(list(hashes), acting_user=acting_user, via="import")
    for row in parsed:
        number = row["values"]["id_number"]
        message = held.get(keyed_hash(number)) if number else None
        if message:
            _problem(row["problems"], "id_number", message)

    # households: heads with their members; validated by the registration rules
    heads = {
        r["values"]["id_number"]: r
        for r in parsed
        if not r["is_member"] and r["values"]["id_number"]
    }
    members: dict[str, list] = defaultdict(list)
    for row in parsed:
        if row["is_member"]:
            if row["values"]["head_id_number"] not in heads:
                _problem(
                    row["problems"],
                    "head_id_number",
                    _("No row of this file is the head of household with this ID."),
                )
            else:
                members[row["values"]["head_id_number"]].append(row)
    for number, head in heads.items():
        household = [head, *members.get(number, [])]
        data = _file_input(head["values"], [m["values"] for m in members.get(number, [])])
        try:
            validate_input(data)
        except ValidationError as err:
            for key, message in err.fields.items():
                target = head
                match = re.match(r"household\.(\d+)\.(\w+)", key)
                if match:
                    target = household[1 + int(match.group(1))]
                    key = match.group(2)
                if not any(p["field"] == key for p in target["problems"]):
                    _problem(target["problems"], key, message)
        if any(m["problems"] for m in household[1:]):
            _problem(head["problems"], "household", _("A member of this household has problems."))

    db.session.execute(delete(LedgerImportRow).where(LedgerImportRow.import_id == batch.id))
    batch.done = 0
    for start in range(0, len(parsed), 1000):
        chunk = parsed[start : start + 1000]
        db.session.execute(
            insert(LedgerImportRow),
            [
                {
                    "import_id": batch.id,
                    "row_no": row["row_no"],
                    "data_enc": encrypt(json.dumps(row["values"], ensure_ascii=False)),
                    "name": row["values"]["name"][:50],
                    "id_masked": mask_id(row["values"]["id_number"])
                    if row["values"]["id_number"]
                    else "",
                    "is_head": not row["is_member"],
                    "problems": row["problems"],
                    "status": "invalid" if row["problems"] else "valid",
                }
                for row in chunk
            ],
        )
        if progress is not None:
            batch.done = start + len(chunk)
            progress(batch)
    batch.done = len(parsed)
    batch.valid_rows = sum(not r["problems"] for r in parsed)
    batch.invalid_rows = len(parsed) - batch.valid_rows
    batch.status, batch.checked_at = "checked", utcnow()
    db.session.flush()
    record(
        "ledger_import.checked",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        after={"valid": batch.valid_rows, "invalid": batch.invalid_rows},
    )
    return batch


def _file_input(head: dict, members: list[dict]) -> FileInput:
    cause = head.get("main_cause", "")
    consent = head.get("consent_signed_on") or None
    return FileInput(
        name=head.get("name", ""),
        id_number=head.get("id_number", ""),
        phone=head.get("phone", ""),
        address=head.get("address", ""),
        employer=head.get("employer", ""),
        consent_signed_on=date.fromisoformat(consent) if consent else None,
        annual_income_fen=head.get("annual_income") or 0,
        main_cause=CAUSES.get(cause, cause) if cause else Cause.OTHER,
        members=[
            MemberInput(
                relation=RELATIONS.get(m.get("relation", ""), m.get("relation", ""))
                or Relation.OTHER,
                name=m.get("name", ""),
                id_number=m.get("id_number", ""),
                monthly_income_fen=m.get("monthly_income") or 0,
            )
            for m in members
        ],
    )


# --- confirming ----------------------------------------------------------------------------


def check_confirm(batch: LedgerImport, *, acting_user) -> None:
    """Raise unless the user may import this checked ledger now."""
    _require_importer(acting_user, batch.centre)
    if batch.status != "checked":
        raise DomainError(_("Run the check (dry run) before importing."))


#: Households registered between two progress reports (commits) of a background confirm.
CONFIRM_PROGRESS_EVERY = 50


def confirm(batch: LedgerImport, *, acting_user, progress=None) -> LedgerImport:
    """Register every valid household (head and members all valid) as a file; skip the rest.

    With `progress` (a background job), `batch.done` counts the rows handled and `progress`
    is called (it commits) every few households; a job that died is run again from where it
    stopped: rows already imported are not valid any more, so they are not registered twice.
    """
    if not (progress is not None and batch.status == "importing"):
        check_confirm(batch, acting_user=acting_user)
    _require_importer(acting_user, batch.centre)
    rows = db.session.scalars(
        select(LedgerImportRow)
        .where(LedgerImportRow.import_id == batch.id)
        .order_by(LedgerImportRow.row_no)
    ).all()
    values = {r.id: json.loads(decrypt(r.data_enc) or "{}") for r in rows}
    members: dict[str, list] = defaultdict(list)
    for r in rows:
        if not r.is_head:
            members[values[r.id]["head_id_number"]].append(r)
    source = _("Imported from the ledger %(file)s", file=batch.filename)
    imported = len({r.applicant_id for r in rows if r.is_head and r.status == "imported"})
    batch.done = sum(1 for r in rows if r.status in ("imported", "failed"))
    pending = [r for r in rows if r.is_head and r.status == "valid"]
    for n, head in enumerate(pending, start=1):
        household = members.get(values[head.id]["id_number"], [])
        if progress is not None and n % CONFIRM_PROGRESS_EVERY == 0:
            progress(batch)
        if any(m.status != "valid" for m in household):
            continue
        data = _file_input(values[head.id], [values[m.id] for m in household])
        try:
            with db.session.begin_nested():
                applicant = register_household(data, acting_user=acting_user, centre=batch.centre)
                if batch.target_status == "active":
                    activate_imported(applicant, acting_user=acting_user, source=source)
        except DomainError as err:
            head.status, head.problems = (
                "failed",
                [*head.problems, {"field": "", "message": err.message}],
            )
            continue
        imported += 1
        batch.done += 1 + len(household)
        for r in (head, *household):
            r.status, r.applicant_id = "imported", applicant.id
    batch.imported_files, batch.status, batch.imported_at = imported, "imported", utcnow()
    batch.done = batch.total
    db.session.flush()
    record(
        "ledger_import.confirmed",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        after={"files": imported, "state": batch.target_status, "skipped_rows": batch.invalid_rows},
    )
    return batch


def report_csv(batch: LedgerImport) -> bytes:
    """What was done with each row, by row number; IDs masked. UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "姓名", "身份证号", "结果", "问题", "档案编号"])
    rows = db.session.execute(
        select(LedgerImportRow, Applicant.file_no)
        .outerjoin(Applicant, Applicant.id == LedgerImportRow.applicant_id)
        .where(LedgerImportRow.import_id == batch.id)
        .order_by(LedgerImportRow.row_no)
    ).all()
    results = {
        "valid": "可导入",
        "invalid": "有问题，未导入",
        "imported": "已导入",
        "failed": "导入失败",
    }
    for row, file_no in rows:
        problems = "；".join(p["message"] for p in row.problems)
        cells = [
            row.row_no,
            row.name,
            row.id_masked,
            results.get(row.status, row.status),
            problems,
            file_no or "",
        ]
        writer.writerow([_safe_cell(c) for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(value):
    """Neutralise cells a spreadsheet would run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else value
