"""Mutual aid's rules and state changes: plans, units, rosters, fees, claims, renewal.

Claims reuse the aid-case machinery: a covered claim opens a mutual-aid claim case
(`cases.services.open_plan_case`), which is submitted, approved up the tiers and paid by the
cases and funds services like any other case. Fees come into a mutual-aid fund through
`funds.services` (a receipt, and the union subsidy as a transfer between funds).
"""

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from assist.applicants.models import Applicant, ResidentId
from assist.attachments.services import attachments_of
from assist.audit.services import record
from assist.auth.models import Role, User
from assist.cases import services as case_services
from assist.cases.attachments import CLAIM_KINDS
from assist.cases.attachments import OWNER_TYPE as CASE_OWNER
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.centres.models import Centre
from assist.core.counters import next_number
from assist.core.crypto import decrypt, encrypt, keyed_hash
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.i18n import record_text
from assist.core.masking import mask_id
from assist.core.resident_id import parse_resident_id
from assist.core.scoping import scoped
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.funds import services as fund_services
from assist.funds.models import Fund, FundSource
from assist.mutual_aid import benefits
from assist.mutual_aid.models import (
    BatchKind,
    CalendarDay,
    Claim,
    Enrolment,
    EnrolmentBatch,
    EventKind,
    MutualAidCounter,
    Plan,
    PlanKind,
    PlanTerm,
    Unit,
)
from assist.mutual_aid.roster import RosterLine, read_roster

#: Case statuses whose amount no longer counts against the term's cap.
NOT_GRANTED = (CaseStatus.REJECTED, CaseStatus.WITHDRAWN)
DEFAULT_DOCUMENTS = {
    EventKind.HOSPITAL: ["id_copy", "diagnosis", "invoice", "medical_settlement"],
    EventKind.CRITICAL_ILLNESS: ["id_copy", "diagnosis"],
    EventKind.ACCIDENT: ["id_copy", "diagnosis"],
}
CHUNK = 500


def _fail(field_name: str, message: str):
    raise ValidationError(message, fields={field_name: message})


def _text(value, field_name: str, *, max_len: int, required: bool = True, message=None) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if "\x00" in value:
        _fail(field_name, _("The text contains a NUL character."))
    if required and not value:
        _fail(field_name, message or _("This field is required."))
    if len(value) > max_len:
        _fail(field_name, _("At most %(n)d characters.", n=max_len))
    return value


def _count(value, field_name: str, *, minimum: int = 0, maximum: int = 1_000_000) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        _fail(
            field_name,
            _("Enter a whole number between %(a)d and %(b)d.", a=minimum, b=maximum),
        )
    return value


def _number(series: str, count: int = 1) -> int:
    """Reserve `count` numbers of a series; return the first."""
    return next_number(MutualAidCounter.last_no, series=series, count=count) - count + 1


def _in_scope(user: User, centre: Centre) -> None:
    if not centre.is_within(user.centre):
        raise PermissionDenied(_("This record is outside your scope."))


# ------------------------------------------------------------------------------- plans


def can_manage_plans(user: User) -> bool:
    return user.has_role(Role.ADMIN) and user.centre.parent_id is None


def check_manage_plans(user: User) -> None:
    if not can_manage_plans(user):
        raise PermissionDenied(_("Plans are kept by the city's administrators."))


def create_plan(
    *,
    acting_user: User,
    code: str,
    name: str,
    kind: str,
    base_plan: Plan | None = None,
    description: str = "",
) -> Plan:
    """Add a plan at the city centre; its numbers come with its terms."""
    check_manage_plans(acting_user)
    code = _text(code, "code", max_len=20, message=_("Enter the plan's code."))
    name = _text(name, "name", max_len=120, message=_("Enter the plan's name."))
    description = _text(description, "description", max_len=2000, required=False)
    if kind not in set(PlanKind):
        _fail("kind", _("Choose the kind of plan."))
    if kind == PlanKind.WOMEN:
        if base_plan is None or base_plan.kind == PlanKind.WOMEN:
            _fail("base_plan", _("The women's add-on needs the base plan its members must hold."))
    elif base_plan is not None:
        _fail("base_plan", _("Only the women's add-on has a base plan."))
    if db.session.scalar(select(Plan.id).where(Plan.code == code)):
        _fail("code", _("A plan with this code exists."))
    plan = Plan(
        code=code,
        name=name,
        kind=kind,
        base_plan_id=base_plan.id if base_plan else None,
        centre_id=acting_user.centre_id,
        description=description,
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    db.session.add(plan)
    db.session.flush()
    record(
        "mutual_aid.plan_created",
        acting_user=acting_user,
        obj=plan,
        centre=acting_user.centre,
        after={"code": code, "name": name, "kind": kind},
    )
    return plan


@dataclass
class TermInput:
    label: str
    cover_start: date | None
    cover_end: date | None
    window_opens: date | None
    window_closes: date | None
    fee_fen: int | None
    subsidy_fen: int | None = 0
    min_age: int = 16
    max_age: int = 65
    sex: str = ""
    participation_pct: int = 60
    small_unit_max: int = 10
    rules: dict = field(default_factory=dict)
    required_documents: dict | None = None


def cover_end_for(start: date, years: int) -> date:
    """The last day of cover of a term of `years` years starting on `start`."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February: the term runs to 28 February
        anniversary = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return anniversary - timedelta(days=1)


def _clean_term(plan: Plan, data: TermInput, *, term: PlanTerm | None = None) -> dict:
    """Check a term's numbers for `plan` (one place for the API and the pages)."""
    label = _text(data.label, "label", max_len=20, message=_("Name the term, e.g. 2027."))
    for name in ("cover_start", "cover_end", "window_opens", "window_closes"):
        if not isinstance(getattr(data, name), date):
            _fail(name, _("Enter a date."))
    if data.cover_end < data.cover_start:
        _fail("cover_end", _("The cover ends before it starts."))
    if data.cover_end > cover_end_for(data.cover_start, 3):
        _fail("cover_end", _("A term lasts one to three years."))
    if data.window_closes < data.window_opens:
        _fail("window_closes", _("The enrolment window closes before it opens."))
    if data.window_opens > data.cover_end:
        _fail("window_opens", _("The enrolment window must open before the cover ends."))
    fee = data.fee_fen
    if not isinstance(fee, int) or isinstance(fee, bool) or not 1 <= fee <= 100_000_00:
        _fail("fee", _("Enter the fee per person per term in yuan, from ¥0.01 to ¥100,000."))
    subsidy = data.subsidy_fen or 0
    if not isinstance(subsidy, int) or isinstance(subsidy, bool) or subsidy < 0:
        _fail("subsidy", _("Enter the union's subsidy per head in yuan (0 for none)."))
    if subsidy > fee:
        _fail("subsidy", _("The union's subsidy cannot be more than the fee."))
    min_age = _count(data.min_age, "min_age", maximum=120)
    max_age = _count(data.max_age, "max_age", minimum=min_age, maximum=120)
    if data.sex not in ("", "F", "M"):
        _fail("sex", _("Choose who may join."))
    if plan.kind == PlanKind.WOMEN and data.sex != "F":
        _fail("sex", _("The women's add-on is for women workers."))
    pct = _count(data.participation_pct, "participation_pct", minimum=1, maximum=100)
    small = _count(data.small_unit_max, "small_unit_max", maximum=10_000)
    rules = benefits.check_rules(plan.kind, data.rules)
    docs = data.required_documents
    if docs is None:
        event = benefits.EVENT_FOR_PLAN[plan.kind]
        docs = {event: list(DEFAULT_DOCUMENTS[event])}
    known = {str(k) for k in CLAIM_KINDS}
    if not isinstance(docs, dict) or not all(
        event in set(EventKind)
        and isinstance(kinds, list)
        and all(isinstance(k, str) and k in known for k in kinds)
        for event, kinds in docs.items()
    ):
        _fail(
            "required_documents",
            _(
                "List the documents per event from the kinds a claim takes: %(kinds)s.",
                kinds=", ".join(sorted(known)),
            ),
        )
    others = select(PlanTerm.id).where(PlanTerm.plan_id == plan.id)
    if term is not None:
        others = others.where(PlanTerm.id != term.id)
    if db.session.scalar(others.where(PlanTerm.label == label)):
        _fail("label", _("This plan already has a term of this name."))
    overlap = db.session.scalar(
        others.where(
            PlanTerm.cover_start <= data.cover_end,
            PlanTerm.cover_end >= data.cover_start,
        )
    )
    if overlap:
        _fail("cover_start", _("The cover overlaps another term of this plan."))
    return dict(
        label=label,
        cover_start=data.cover_start,
        cover_end=data.cover_end,
        window_opens=data.window_opens,
        window_closes=data.window_closes,
        min_age=min_age,
        max_age=max_age,
        sex=data.sex,
        fee_fen=fee,
        subsidy_fen=subsidy,
        participation_pct=pct,
        small_unit_max=small,
        rules=rules,
        required_documents=docs,
    )


def _term_audit(values: dict) -> dict:
    return {
        "term": values["label"],
        "cover": [values["cover_start"].isoformat(), values["cover_end"].isoformat()],
        "window": [values["window_opens"].isoformat(), values["window_closes"].isoformat()],
        "ages": [values["min_age"], values["max_age"]],
        "sex": values["sex"],
        "fee_fen": values["fee_fen"],
        "subsidy_fen": values["subsidy_fen"],
        "participation": [values["participation_pct"], values["small_unit_max"]],
        "rules": values["rules"],
        "required_documents": values["required_documents"],
    }


def add_term(plan: Plan, *, acting_user: User, data: TermInput) -> PlanTerm:
    """Add a dated term (a new version) to a plan; a term with members never changes."""
    check_manage_plans(acting_user)
    values = _clean_term(plan, data)
    term = PlanTerm(plan_id=plan.id, created_by_id=acting_user.id, created_at=utcnow(), **values)
    db.session.add(term)
    db.session.flush()
    record(
        "mutual_aid.term_added",
        acting_user=acting_user,
        obj=plan,
        centre=acting_user.centre,
        after=_term_audit(values),
    )
    return term


def term_has_members(term: PlanTerm) -> bool:
    return (
        db.session.scalar(select(Enrolment.id).where(Enrolment.term_id == term.id).limit(1))
        is not None
    )


def check_edit_term(user: User, term: PlanTerm) -> None:
    """A term may be corrected until somebody is enrolled in it; then it never changes."""
    check_manage_plans(user)
    if term_has_members(term):
        raise DomainError(
            _(
                "Members are enrolled in this term: it cannot change under them. "
                "Add a new term (a new version) instead."
            )
        )


def update_term(term: PlanTerm, *, acting_user: User, data: TermInput) -> PlanTerm:
    """Correct a term nobody is enrolled in yet (audited, before and after)."""
    check_edit_term(acting_user, term)
    values = _clean_term(term.plan, data, term=term)
    before = _term_audit({k: getattr(term, k) for k in values})
    for key, value in values.items():
        setattr(term, key, value)
    db.session.flush()
    record(
        "mutual_aid.term_updated",
        acting_user=acting_user,
        obj=term.plan,
        centre=acting_user.centre,
        before=before,
        after=_term_audit(values),
    )
    return term


def next_term_input(term: PlanTerm) -> TermInput:
    """The next version of a term, offered for editing: the same numbers, dated after it."""
    years = max(1, min(3, round((term.cover_end - term.cover_start).days / 365.25)))
    start = term.cover_end + timedelta(days=1)
    shift = start - term.cover_start
    label = str(start.year) if term.label.isdigit() else f"{term.label}-2"
    return TermInput(
        label=label,
        cover_start=start,
        cover_end=cover_end_for(start, years),
        window_opens=term.window_opens + shift,
        window_closes=term.window_closes + shift,
        fee_fen=term.fee_fen,
        subsidy_fen=term.subsidy_fen,
        min_age=term.min_age,
        max_age=term.max_age,
        sex=term.sex,
        participation_pct=term.participation_pct,
        small_unit_max=term.small_unit_max,
        rules=dict(term.rules),
        required_documents=dict(term.required_documents),
    )


# ------------------------------------------------------------------------------- units


def clean_uscc(value) -> str:
    """Check a unified social credit code (GB 32100, with its check character)."""
    raw = value.strip().upper() if isinstance(value, str) else ""
    if not raw:
        _fail("uscc", _("Enter the unit's unified social credit code."))
    try:
        return stdnum_uscc.validate(raw)
    except StdnumError:
        _fail(
            "uscc",
            _("This is not a valid unified social credit code (18 characters, check character)."),
        )


@dataclass
class UnitInput:
    name: str
    uscc: str
    staff_count: int | None
    union_members: int | None
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""


def check_manage_units(user: User) -> None:
    if not user.has_role(Role.CASEWORKER, Role.ADMIN):
        raise PermissionDenied(_("Caseworkers and administrators keep the units."))


def create_unit(*, acting_user: User, centre: Centre, data: UnitInput) -> Unit:
    """Register a workplace union under a centre in the user's scope."""
    check_manage_units(acting_user)
    _in_scope(acting_user, centre)
    name = _text(data.name, "name", max_len=120, message=_("Enter the unit's name."))
    code = clean_uscc(data.uscc)
    staff = _count(data.staff_count, "staff_count", minimum=1)
    members = _count(data.union_members, "union_members", maximum=staff)
    contact = _text(data.contact_name, "contact_name", max_len=50, required=False)
    phone = _text(data.contact_phone, "contact_phone", max_len=40, required=False)
    address = _text(data.address, "address", max_len=255, required=False)
    if db.session.scalar(select(Unit.id).where(Unit.uscc == code)):
        _fail("uscc", _("A unit with this credit code is already registered."))
    unit = Unit(
        centre_id=centre.id,
        name=name,
        uscc=code,
        staff_count=staff,
        union_members=members,
        contact_name=contact,
        contact_phone=phone,
        address=address,
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    db.session.add(unit)
    db.session.flush()
    record(
        "mutual_aid.unit_created",
        acting_user=acting_user,
        obj=unit,
        centre=centre,
        after={"name": name, "uscc": code, "staff_count": staff, "union_members": members},
    )
    return unit


# ------------------------------------------------------------------------------- rosters


@dataclass
class RowResult:
    row_no: int
    name: str
    id_masked: str
    problems: list[tuple[str, str]] = field(default_factory=list)
    # Kept for enrolling; never shown.
    id_number: str = ""
    id_hash: str = ""
    gender: str = ""
    birth_date: date | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "row": self.row_no,
            "name": self.name,
            "id_number": self.id_masked,
            "ok": self.is_valid,
            "problems": [{"code": c, "message": m} for c, m in self.problems],
        }


@dataclass
class RosterReport:
    """A dry run: every row's problems, the unit-level checks and the fee due."""

    unit: Unit
    term: PlanTerm
    rows: list[RowResult]
    unit_problems: list[tuple[str, str]]
    already_enrolled: int
    required: int

    @property
    def valid_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.is_valid]

    @property
    def rows_total(self) -> int:
        return len(self.rows)

    @property
    def rows_valid(self) -> int:
        return len(self.valid_rows)

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.is_valid]

    @property
    def staff_share_fen(self) -> int:
        return len(self.valid_rows) * self.term.staff_share_fen

    @property
    def subsidy_fen(self) -> int:
        return len(self.valid_rows) * self.term.subsidy_fen

    @property
    def fee_total_fen(self) -> int:
        return len(self.valid_rows) * self.term.fee_fen

    def as_dict(self) -> dict:
        from assist.core.money import fen_to_decimal_str

        return {
            "unit": self.unit.id,
            "term": self.term.id,
            "rows_total": len(self.rows),
            "rows_valid": len(self.valid_rows),
            "rows_bad": len(self.bad_rows),
            "already_enrolled": self.already_enrolled,
            "required": self.required,
            "unit_problems": [{"code": c, "message": m} for c, m in self.unit_problems],
            "fee_due": {
                "staff_share": fen_to_decimal_str(self.staff_share_fen),
                "subsidy": fen_to_decimal_str(self.subsidy_fen),
                "total": fen_to_decimal_str(self.fee_total_fen),
            },
            "rows": [r.as_dict() for r in self.rows],
        }


def required_members(term: PlanTerm, staff_count: int) -> int:
    """The participation rule: everybody in a small unit, else at least N % of the staff."""
    if staff_count <= term.small_unit_max:
        return staff_count
    return math.ceil(staff_count * term.participation_pct / 100)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _existing(term_ids: list[int], hashes: list[str]) -> dict[tuple[int, str], int]:
    """(term id, id hash) → unit id, for the hashes already enrolled in those terms."""
    out: dict[tuple[int, str], int] = {}
    for part in _chunks(hashes):
        rows = db.session.execute(
            select(Enrolment.term_id, Enrolment.id_hash, Enrolment.unit_id).where(
                Enrolment.term_id.in_(term_ids), Enrolment.id_hash.in_(part)
            )
        )
        for term_id, id_hash, unit_id in rows:
            out[(term_id, id_hash)] = unit_id
    return out


def _base_terms(term: PlanTerm) -> list[int]:
    """The base plan's terms whose cover includes the add-on's cover start."""
    if term.plan.base_plan_id is None:
        return []
    return list(
        db.session.scalars(
            select(PlanTerm.id).where(
                PlanTerm.plan_id == term.plan.base_plan_id,
                PlanTerm.cover_start <= term.cover_start,
                PlanTerm.cover_end >= term.cover_start,
            )
        )
    )


#: Rows checked between two progress reports of a roster job.
PROGRESS_EVERY = 250


def check_roster(
    unit: Unit,
    term: PlanTerm,
    lines: list[RosterLine],
    *,
    today: date | None = None,
    progress=None,
) -> RosterReport:
    """The dry run: check every row and the unit rules; change nothing.

    `progress(done, total)` (a background job's) is told every PROGRESS_EVERY rows.
    """
    today = today or local_today()
    rows: list[RowResult] = []
    first_row: dict[str, int] = {}
    for n, line in enumerate(lines):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n, len(lines))
        row = RowResult(line.row_no, line.name[:50], "")
        if not line.name:
            row.problems.append(("name_missing", _("The name is missing.")))
        elif len(line.name) > 50:
            row.problems.append(("name_too_long", _("The name is longer than 50 characters.")))
        if line.id_is_number:
            row.problems.append(
                (
                    "id_stored_as_number",
                    _(
                        "The ID is stored as a number (%(value)s), so Excel has already lost "
                        "its last digits. Format the column as text and type the ID again.",
                        value=line.id_raw[:24],
                    ),
                )
            )
        elif not line.id_raw:
            row.problems.append(("id_missing", _("The resident ID is missing.")))
        else:
            try:
                info = parse_resident_id(line.id_raw, today=today)
            except ValidationError as err:
                row.problems.append(("id_invalid", err.message))
            else:
                row.id_number = info.number
                row.id_masked = mask_id(info.number)
                row.gender = info.gender
                row.birth_date = info.birth_date
                row.id_hash = keyed_hash(info.number)
                age = _age_on(info.birth_date, term.cover_start)
                if not term.min_age <= age <= term.max_age:
                    row.problems.append(
                        (
                            "age_outside",
                            _(
                                "Aged %(age)d when the cover starts; the plan takes %(a)d to "
                                "%(b)d.",
                                age=age,
                                a=term.min_age,
                                b=term.max_age,
                            ),
                        )
                    )
                if term.sex and info.gender != term.sex:
                    row.problems.append(
                        ("sex_outside", _("The plan is for women workers only."))
                        if term.sex == "F"
                        else ("sex_outside", _("The plan is for men only."))
                    )
                if row.id_hash in first_row:
                    row.problems.append(
                        (
                            "duplicate_in_roster",
                            _(
                                "The same ID appears in row %(row)d.",
                                row=first_row[row.id_hash],
                            ),
                        )
                    )
                else:
                    first_row[row.id_hash] = line.row_no
        rows.append(row)

    hashes = [r.id_hash for r in rows if r.id_hash]
    enrolled = _existing([term.id], hashes)
    base_terms = _base_terms(term)
    base = _existing(base_terms, hashes) if base_terms else {}
    has_base = {h for (_t, h) in base}
    for row in rows:
        if not row.id_hash:
            continue
        unit_id = enrolled.get((term.id, row.id_hash))
        if unit_id == unit.id:
            row.problems.append(("already_enrolled", _("Already enrolled in this term here.")))
        elif unit_id is not None:
            row.problems.append(
                (
                    "enrolled_elsewhere",
                    _("Already enrolled in this plan term through another unit (one share each)."),
                )
            )
        if term.plan.base_plan_id is not None and row.id_hash not in has_base:
            row.problems.append(
                (
                    "base_plan_missing",
                    _(
                        "The women's add-on needs the base plan %(plan)s for the same period.",
                        plan=term.plan.base_plan.name,
                    ),
                )
            )

    already = db.session.scalar(
        select(func.count(Enrolment.id)).where(
            Enrolment.unit_id == unit.id, Enrolment.term_id == term.id
        )
    )
    # An add-on (the women's plan) is for part of the staff only: the participation rule is
    # the base plan's, which every add-on member must hold.
    required = 0 if term.plan.base_plan_id else required_members(term, unit.staff_count)
    unit_problems: list[tuple[str, str]] = []
    if not term.window_opens <= today <= term.window_closes:
        unit_problems.append(
            (
                "window_closed",
                _(
                    "The enrolment window is %(a)s to %(b)s.",
                    a=term.window_opens.isoformat(),
                    b=term.window_closes.isoformat(),
                ),
            )
        )
    valid = sum(1 for r in rows if r.is_valid)
    if already + valid < required:
        if unit.staff_count <= term.small_unit_max:
            message = _(
                "A unit of %(staff)d staff (at most %(small)d) enrols everyone: %(n)d valid "
                "rows and %(already)d already enrolled.",
                staff=unit.staff_count,
                small=term.small_unit_max,
                n=valid,
                already=already,
            )
        else:
            message = _(
                "At least %(pct)d%% of the %(staff)d staff must join (%(required)d people); "
                "this roster has %(n)d valid rows and %(already)d are already enrolled.",
                pct=term.participation_pct,
                staff=unit.staff_count,
                required=required,
                n=valid,
                already=already,
            )
        unit_problems.append(("participation_below_rule", message))
    if not rows:
        unit_problems.append(("roster_empty", _("The roster has no rows.")))
    return RosterReport(unit, term, rows, unit_problems, already or 0, required)


def check_enrol(user: User, unit: Unit) -> None:
    if not user.has_role(Role.CASEWORKER):
        raise PermissionDenied(_("Caseworkers enrol units."))
    _in_scope(user, unit.centre)


def dry_run(
    unit: Unit, term: PlanTerm, *, acting_user: User, filename: str, data: bytes, progress=None
) -> RosterReport:
    """Read and check a roster file; change nothing."""
    check_enrol(acting_user, unit)
    return check_roster(unit, term, read_roster(filename, data), progress=progress)


def _continuity(term: PlanTerm, hashes: list[str]) -> dict[str, date]:
    """For members covered without a gap until this term starts: the day cover began."""
    previous = db.session.scalars(
        select(PlanTerm.id).where(
            PlanTerm.plan_id == term.plan_id,
            PlanTerm.cover_end == term.cover_start - timedelta(days=1),
        )
    ).all()
    out: dict[str, date] = {}
    if not previous:
        return out
    for part in _chunks(hashes):
        for id_hash, since in db.session.execute(
            select(Enrolment.id_hash, Enrolment.continuous_since).where(
                Enrolment.term_id.in_(previous), Enrolment.id_hash.in_(part)
            )
        ):
            out[id_hash] = since
    return out


def _files(hashes: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _chunks(hashes):
        for id_hash, applicant_id in db.session.execute(
            select(ResidentId.id_hash, ResidentId.applicant_id).where(ResidentId.id_hash.in_(part))
        ):
            out[id_hash] = applicant_id
    return out


def enrol(
    report: RosterReport,
    *,
    acting_user: User,
    skip_bad: bool,
    filename: str = "",
    sha256: str = "",
    kind: str = BatchKind.ENROL,
) -> EnrolmentBatch:
    """Enrol a checked roster's valid rows: certificate numbers and the fee due."""
    unit, term = report.unit, report.term
    check_enrol(acting_user, unit)
    if report.unit_problems:
        raise DomainError(
            report.unit_problems[0][1], reason=report.unit_problems[0][0], fields={"file": ""}
        )
    if report.bad_rows and not skip_bad:
        raise DomainError(
            _(
                "%(n)d rows have problems: correct them, or confirm again skipping them.",
                n=len(report.bad_rows),
            ),
            reason="bad_rows",
        )
    valid = report.valid_rows
    year = local_today().year
    batch = EnrolmentBatch(
        batch_no=f"MA-{year}-B{_number(f'batch:{year}'):05d}",
        unit_id=unit.id,
        term_id=term.id,
        centre_id=unit.centre_id,
        kind=kind,
        file_name=(filename or "")[:200],
        file_sha256=sha256,
        rows_total=len(report.rows),
        rows_enrolled=len(valid),
        rows_skipped=len(report.bad_rows),
        row_results=[r.as_dict() for r in report.rows],
        staff_share_fen=report.staff_share_fen,
        subsidy_fen=report.subsidy_fen,
        fee_total_fen=report.fee_total_fen,
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    hashes = [r.id_hash for r in valid]
    since = _continuity(term, hashes)
    files = _files(hashes)
    first = _number(f"cert:{term.id}", len(valid))
    now = utcnow()
    mappings = []
    for i, row in enumerate(valid):
        mappings.append(
            {
                "certificate_no": f"{term.plan.code}-{term.label}-{first + i:06d}",
                "term_id": term.id,
                "unit_id": unit.id,
                "centre_id": unit.centre_id,
                "batch_id": batch.id,
                "name": row.name,
                "id_enc": encrypt(row.id_number),
                "id_hash": row.id_hash,
                "id_last4": row.id_number[-4:],
                "gender": row.gender,
                "birth_date": row.birth_date,
                "cover_start": term.cover_start,
                "cover_end": term.cover_end,
                "continuous_since": since.get(row.id_hash, term.cover_start),
                "applicant_id": files.get(row.id_hash),
                "fee_fen": term.fee_fen,
                "subsidy_fen": term.subsidy_fen,
                "created_at": now,
            }
        )
    for part in _chunks(mappings):
        db.session.execute(Enrolment.__table__.insert(), part)
    record(
        "mutual_aid.enrolled",
        acting_user=acting_user,
        obj=batch,
        centre=unit.centre,
        after={
            "batch_no": batch.batch_no,
            "unit": unit.id,
            "term": term.id,
            "kind": kind,
            "enrolled": len(valid),
            "skipped": len(report.bad_rows),
            "fee_total_fen": batch.fee_total_fen,
        },
    )
    return batch


def enrol_file(
    unit: Unit,
    term: PlanTerm,
    *,
    acting_user: User,
    filename: str,
    data: bytes,
    skip_bad: bool,
    progress=None,
) -> EnrolmentBatch:
    """Check the roster again and enrol it (the file may have changed since the dry run)."""
    report = dry_run(
        unit, term, acting_user=acting_user, filename=filename, data=data, progress=progress
    )
    return enrol(
        report,
        acting_user=acting_user,
        skip_bad=skip_bad,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# ------------------------------------------------------------------------------- renewal


def renewal_lines(unit: Unit, from_term: PlanTerm) -> list[RosterLine]:
    """The unit's members of a term as roster rows, numbered in certificate order."""
    rows = db.session.execute(
        select(Enrolment.name, Enrolment.id_enc)
        .where(Enrolment.unit_id == unit.id, Enrolment.term_id == from_term.id)
        .order_by(Enrolment.certificate_no)
    ).all()
    return [
        RosterLine(row_no=i, name=name, id_raw=decrypt(enc) or "")
        for i, (name, enc) in enumerate(rows, start=1)
    ]


def renew(
    unit: Unit,
    from_term: PlanTerm,
    to_term: PlanTerm,
    *,
    acting_user: User,
    dry: bool,
    skip_bad: bool = False,
) -> RosterReport | EnrolmentBatch:
    """Roll a unit's members into the next term; without a gap their waiting period is served."""
    check_enrol(acting_user, unit)
    if from_term.plan_id != to_term.plan_id or to_term.cover_start <= from_term.cover_start:
        _fail("term", _("Renew into a later term of the same plan."))
    report = check_roster(unit, to_term, renewal_lines(unit, from_term))
    if dry:
        return report
    return enrol(report, acting_user=acting_user, skip_bad=skip_bad, kind=BatchKind.RENEWAL)


# ------------------------------------------------------------------------------- fees


def receive_fee(
    batch: EnrolmentBatch,
    *,
    acting_user: User,
    fund: Fund,
    reference: str,
    subsidy_fund: Fund | None = None,
) -> EnrolmentBatch:
    """Book the unit's payment into the mutual-aid fund and the union's subsidy as a transfer."""
    if fund.source != FundSource.MUTUAL_AID:
        _fail("fund", _("Fees go into a mutual-aid fund."))
    locked = db.session.scalars(
        select(EnrolmentBatch)
        .where(EnrolmentBatch.id == batch.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if locked.fee_received_at is not None:
        raise DomainError(_("The fee for this batch has already been received."))
    _in_scope(acting_user, locked.centre)
    if locked.subsidy_fen and subsidy_fund is None:
        _fail("subsidy_fund", _("Choose the union fund that pays the subsidy."))
    if subsidy_fund is not None and subsidy_fund.source == FundSource.MUTUAL_AID:
        _fail("subsidy_fund", _("The subsidy comes from a union fund."))
    entry = fund_services.receive_funds(
        fund,
        acting_user=acting_user,
        amount_fen=locked.staff_share_fen,
        reference=reference,
        note=record_text(_l("Mutual-aid fees, batch %(no)s", no=locked.batch_no)),
    )
    locked.fee_entry_id = entry.id
    if locked.subsidy_fen:
        _out, into = fund_services.transfer_between_funds(
            subsidy_fund,
            fund,
            acting_user=acting_user,
            amount_fen=locked.subsidy_fen,
            reference=locked.batch_no,
            note=record_text(_l("Union subsidy for mutual-aid batch %(no)s", no=locked.batch_no)),
        )
        locked.subsidy_entry_id = into.id
    locked.fee_reference = entry.reference
    locked.fee_received_at = utcnow()
    record(
        "mutual_aid.fee_received",
        acting_user=acting_user,
        obj=locked,
        centre=locked.centre,
        after={
            "staff_share_fen": locked.staff_share_fen,
            "subsidy_fen": locked.subsidy_fen,
            "reference": entry.reference,
            "entries": [locked.fee_entry_id, locked.subsidy_entry_id],
        },
    )
    return locked


# ------------------------------------------------------------------------------- claims


@dataclass
class ClaimInput:
    enrolment: Enrolment
    event: str
    event_day: date | None = None  # admission, first diagnosis or accident day
    discharge: date | None = None
    hospital: str = ""
    diagnosis: str = ""
    illness_code: str = ""
    outcome: str = ""
    disability_grade: int | None = None
    bank_name: str = ""
    bank_account: str = ""


def used_this_term(enrolment: Enrolment, *, excluding: int | None = None) -> int:
    """Benefits granted or in progress for this member in this term (the cap's 'used')."""
    stmt = (
        select(
            func.coalesce(
                func.sum(func.coalesce(AidCase.amount_approved_fen, AidCase.amount_requested_fen)),
                0,
            )
        )
        .select_from(Claim)
        .join(AidCase, AidCase.id == Claim.case_id)
        .where(Claim.enrolment_id == enrolment.id, AidCase.status.not_in(NOT_GRANTED))
    )
    if excluding is not None:
        stmt = stmt.where(Claim.id != excluding)
    return int(db.session.scalar(stmt) or 0)


def cover_of(enrolment: Enrolment) -> benefits.Cover:
    return benefits.Cover(
        plan_kind=enrolment.term.plan.kind,
        rules=enrolment.term.rules,
        cover_start=enrolment.cover_start,
        cover_end=enrolment.cover_end,
        continuous_since=enrolment.continuous_since,
        used_fen=used_this_term(enrolment),
        fee_received=enrolment.batch.is_fee_received,
    )


def _event(data: ClaimInput, today: date) -> benefits.Event:
    if data.event not in set(EventKind):
        _fail("event", _("Choose what happened."))
    if not isinstance(data.event_day, date):
        _fail("event_day", _("Enter the date of the event."))
    if data.event_day > today:
        _fail("event_day", _("The date cannot be in the future."))
    if data.event == EventKind.HOSPITAL:
        if not isinstance(data.discharge, date):
            _fail("discharge", _("Enter the discharge date."))
        if data.discharge < data.event_day or data.discharge > today:
            _fail("discharge", _("The discharge date must lie between admission and today."))
        return benefits.Event("hospital", admission=data.event_day, discharge=data.discharge)
    if data.event == EventKind.CRITICAL_ILLNESS:
        return benefits.Event(
            "critical_illness", diagnosed_on=data.event_day, illness_code=data.illness_code
        )
    if data.outcome not in ("death", "disability"):
        _fail("outcome", _("Choose the outcome of the accident."))
    grade = data.disability_grade
    if data.outcome == "disability" and (
        not isinstance(grade, int) or isinstance(grade, bool) or not 1 <= grade <= 10
    ):
        _fail("disability_grade", _("Enter the disability grade, 1 to 10."))
    return benefits.Event(
        "accident",
        accident_on=data.event_day,
        outcome=data.outcome,
        disability_grade=grade if data.outcome == "disability" else None,
    )


def _bank(data: ClaimInput) -> tuple[str, str]:
    bank = _text(data.bank_name, "bank_name", max_len=60, message=_("Enter the member's bank."))
    account = data.bank_account.replace(" ", "") if isinstance(data.bank_account, str) else ""
    if not account.isdigit() or not 12 <= len(account) <= 30:
        _fail("bank_account", _("Enter the member's own bank card number (12–30 digits)."))
    return bank, account


def check_record_claim(user: User, enrolment: Enrolment) -> None:
    if not user.has_role(Role.CASEWORKER):
        raise PermissionDenied(_("Caseworkers record claims."))
    _in_scope(user, enrolment.unit.centre)


def record_claim(*, acting_user: User, data: ClaimInput) -> Claim:
    """Record a claim, compute its benefit with the working, and open its case when covered."""
    enrolment = data.enrolment
    check_record_claim(acting_user, enrolment)
    event = _event(data, local_today())
    hospital = _text(data.hospital, "hospital", max_len=120, required=data.event == "hospital")
    diagnosis = _text(data.diagnosis, "diagnosis", max_len=500, message=_("Enter the diagnosis."))
    bank, account = _bank(data)
    result = benefits.compute(cover_of(enrolment), event)
    working = benefits.working_text_in_records_language(result)
    year = local_today().year
    details = {
        "discharge": data.discharge.isoformat() if data.discharge else None,
        "hospital": hospital,
        "illness_code": data.illness_code or "",
        "outcome": data.outcome or "",
        "disability_grade": event.disability_grade,
    }
    claim = Claim(
        claim_no=f"MA-{year}-L{_number(f'claim:{year}'):05d}",
        enrolment_id=enrolment.id,
        centre_id=enrolment.centre_id,
        event=data.event,
        event_date=data.event_day,
        details=details,
        diagnosis=diagnosis,
        benefit_fen=result.amount_fen,
        working=working,
        refusal_code=result.refusal,
        bank_name=bank,
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    claim.bank_account = account
    db.session.add(claim)
    db.session.flush()
    if result.is_covered:
        case = case_services.open_plan_case(
            acting_user=acting_user,
            data=case_services.PlanCaseInput(
                kind=AidKind.MUTUAL_AID,
                centre=enrolment.unit.centre,
                reason=f"{claim.claim_no} {enrolment.term.plan.name}：{working}",
                amount_requested_fen=result.amount_fen,
                person_name=enrolment.name,
                person_id_enc=enrolment.id_enc,
                person_id_hash=enrolment.id_hash,
                person_id_last4=enrolment.id_last4,
                applicant=(
                    db.session.get(Applicant, enrolment.applicant_id)
                    if enrolment.applicant_id
                    else None
                ),
                payee_bank_name=bank,
                payee_account_last4=account[-4:],
            ),
        )
        claim.case_id = case.id
        claim.case = case
    record(
        "mutual_aid.claim_recorded",
        acting_user=acting_user,
        obj=claim,
        centre=enrolment.unit.centre,
        after={
            "claim_no": claim.claim_no,
            "enrolment": enrolment.certificate_no,
            "event": data.event,
            "benefit_fen": result.amount_fen,
            "refusal": result.refusal,
            "case": claim.case.case_no if claim.case else None,
        },
    )
    db.session.flush()
    return claim


def claim_of_case(case: AidCase) -> Claim | None:
    return db.session.scalars(select(Claim).where(Claim.case_id == case.id)).first()


def missing_documents(claim: Claim) -> list[str]:
    """The attachment kinds the plan requires for this event that the case does not have."""
    required = claim.enrolment.term.required_documents.get(claim.event, [])
    if claim.case is None:
        return list(required)
    present = {a.kind for a in attachments_of(CASE_OWNER, claim.case_id)}
    return [kind for kind in required if kind not in present]


def _check_claim_submit(case: AidCase) -> None:
    claim = claim_of_case(case)
    if claim is None:
        return
    missing = missing_documents(claim)
    if missing:
        from assist.attachments.labels import KIND_LABELS
        from assist.attachments.models import AttachmentKind

        names = "、".join(str(KIND_LABELS.get(AttachmentKind(k), k)) for k in missing)
        raise DomainError(
            _("The plan requires these documents first: %(names)s.", names=names),
            reason="documents_missing",
            missing=missing,
        )


def _on_claim_submit(case: AidCase) -> None:
    claim = claim_of_case(case)
    if claim is not None and claim.documents_complete_at is None:
        claim.documents_complete_at = utcnow()


case_services.register_submit_hook(AidKind.MUTUAL_AID, _check_claim_submit, _on_claim_submit)


# ------------------------------------------------------------------------------- time limit


def payment_days() -> int:
    return int(current_app.config["MUTUAL_AID_PAYMENT_WORKING_DAYS"])


# ------------------------------------------------------------------------------- working days


def _calendar(first: date, last: date) -> dict[date, bool]:
    """The calendar's exceptions between two days: day → is it a working day."""
    rows = db.session.execute(
        select(CalendarDay.day, CalendarDay.is_working).where(
            CalendarDay.day >= first, CalendarDay.day <= last
        )
    )
    return {day: working for day, working in rows}


def is_working_day(day: date, calendar: dict[date, bool] | None = None) -> bool:
    """Monday–Friday, unless the calendar makes the day a holiday or a make-up working day."""
    if calendar is None:
        calendar = _calendar(day, day)
    return calendar.get(day, day.weekday() < 5)


def _step_working_days(start: date, days: int, direction: int) -> date:
    # A long holiday (春节) takes at most nine days in a row: a window of twice the working days
    # plus a month covers any count; it is widened when it does not.
    span = 2 * days + 31
    while True:
        bounds = sorted((start, start + timedelta(days=direction * span)))
        calendar = _calendar(*bounds)
        day, left = start, days
        while left > 0 and abs((day - start).days) < span:
            day += timedelta(days=direction)
            if is_working_day(day, calendar):
                left -= 1
        if left == 0:
            return day
        span *= 2


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (the calendar's holidays and 调休 counted)."""
    return _step_working_days(start, days, 1)


def subtract_working_days(end: date, days: int) -> date:
    """The day `days` working days before `end`."""
    return _step_working_days(end, days, -1)


CALENDAR_KINDS = {"holiday": False, "休": False, "workday": True, "班": True}


def check_manage_calendar(user: User) -> None:
    if not can_manage_plans(user):
        raise PermissionDenied(_("The working-day calendar is kept by the city's administrators."))


def set_calendar_day(*, acting_user: User, day, kind: str, name: str = "") -> CalendarDay:
    """Mark a day a public holiday or an adjusted working day (replacing what it was)."""
    check_manage_calendar(acting_user)
    if not isinstance(day, date):
        _fail("day", _("Enter a date."))
    if kind not in CALENDAR_KINDS:
        _fail("kind", _("Choose a public holiday or an adjusted working day."))
    name = _text(name, "name", max_len=40, required=False)
    # A holiday on a weekend (the official notice lists the whole break) changes nothing and
    # is kept for the page, as is a working weekday marked so.
    working = CALENDAR_KINDS[kind]
    row = db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))
    before = {"is_working": row.is_working, "name": row.name} if row else None
    if row is None:
        row = CalendarDay(day=day, created_by_id=acting_user.id, created_at=utcnow())
        db.session.add(row)
    row.is_working, row.name = working, name
    db.session.flush()
    record(
        "mutual_aid.calendar_day_set",
        acting_user=acting_user,
        obj=row,
        centre=acting_user.centre,
        before=before,
        after={"day": day.isoformat(), "is_working": working, "name": name},
    )
    return row


def remove_calendar_day(*, acting_user: User, row: CalendarDay) -> None:
    check_manage_calendar(acting_user)
    record(
        "mutual_aid.calendar_day_removed",
        acting_user=acting_user,
        obj=row,
        centre=acting_user.centre,
        before={"day": row.day.isoformat(), "is_working": row.is_working, "name": row.name},
    )
    db.session.delete(row)
    db.session.flush()


def import_calendar(*, acting_user: User, text: str) -> int:
    """Set the days of a simple list, one a line: `2027-10-01 holiday 国庆节` or
    `2027-09-26 workday 调休` (休/班 also do). All or nothing: a bad line refuses the list."""
    check_manage_calendar(acting_user)
    count = 0
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            day = None
        if day is None or len(parts) < 2 or parts[1] not in CALENDAR_KINDS:
            _fail(
                "lines",
                _(
                    "Line %(n)d: write the date, then holiday or workday, then a name, "
                    "e.g. 2027-10-01 holiday 国庆节.",
                    n=n,
                ),
            )
        try:
            set_calendar_day(
                acting_user=acting_user,
                day=day,
                kind=parts[1],
                name=parts[2] if len(parts) > 2 else "",
            )
        except ValidationError as err:
            _fail("lines", _("Line %(n)d: %(problem)s", n=n, problem=err.message))
        count += 1
    if not count:
        _fail("lines", _("The list has no days."))
    return count


def overdue_cutoff(today: date | None = None) -> datetime:
    """Claims whose documents were complete before this moment (UTC) are overdue if unpaid."""
    from assist.core.timeutil import local_to_utc

    today = today or local_today()
    last_ok = subtract_working_days(today, payment_days())
    return local_to_utc(datetime.combine(last_ok, datetime.min.time()))


# ------------------------------------------------------------------------------- members


def lookup_enrolments(
    *, acting_user: User, id_number: str = "", certificate_no: str = ""
) -> list[Enrolment]:
    """A person's enrolments in the user's scope, by full ID (keyed hash) or certificate no."""
    if not acting_user.has_role(Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR):
        raise PermissionDenied(_("Your role does not allow this."))
    stmt = select(Enrolment)
    if id_number:
        info = parse_resident_id(id_number, field="id_number")
        stmt = stmt.where(Enrolment.id_hash == keyed_hash(info.number))
    elif certificate_no:
        cert = _text(certificate_no, "certificate_no", max_len=48)
        holder = db.session.scalar(
            select(Enrolment.id_hash).where(Enrolment.certificate_no == cert)
        )
        stmt = stmt.where(Enrolment.id_hash == (holder or ""))
    else:
        _fail("id_number", _("Enter a resident ID or a certificate number."))
    stmt = scoped(stmt, acting_user, Enrolment.centre_id).order_by(Enrolment.cover_start.desc())
    found = list(db.session.scalars(stmt.limit(50)))
    record(
        "mutual_aid.member_lookup",
        acting_user=acting_user,
        obj=None,
        centre=acting_user.centre,
        after={"by": "id" if id_number else "certificate", "found": len(found)},
    )
    return found


def waiting_days(term: PlanTerm) -> int:
    """The waiting period before the plan's first benefit grade (0 when none)."""
    rules = term.rules
    if "grades" in rules:
        return min(g["from_day"] for g in rules["grades"])
    return int(rules.get("waiting_days", 0))


def waiting_status(enrolment: Enrolment, today: date | None = None) -> tuple[bool, date]:
    """(served?, the day the waiting period ends)."""
    today = today or local_today()
    ends = enrolment.continuous_since + timedelta(days=waiting_days(enrolment.term))
    return today >= ends, ends
