"""Hardship files: registration, assessment, workflow, reviews and transfers.

The web forms, the JSON API and the demo seeder all call these functions; each checks its
rules, writes the audit log and flushes. The caller commits.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, false, or_, select, update
from sqlalchemy.exc import IntegrityError

from assist.applicants.models import (
    Applicant,
    Assessment,
    Category,
    Cause,
    Exclusion,
    FileCounter,
    FileEvent,
    FileStatus,
    Health,
    HomeVisit,
    HouseholdMember,
    Relation,
    ResidentId,
    SubsistenceStandard,
    Transfer,
    TransferReason,
    TransferStatus,
    WorkStatus,
)
from assist.attachments.models import AttachmentKind
from assist.attachments.services import Owner, has_attachment, register_owner
from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.counters import next_number
from assist.core.crypto import keyed_hash
from assist.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from assist.core.masking import mask_id
from assist.core.money import format_yuan
from assist.core.resident_id import parse_resident_id
from assist.core.scoping import centre_in_scope, scoped
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db

OWNER_TYPE = "applicant"
#: The documents a hardship file takes.
ATTACHMENT_KINDS = frozenset(
    {
        AttachmentKind.ID_COPY,
        AttachmentKind.HOUSEHOLD_REGISTER,
        AttachmentKind.DIAGNOSIS,
        AttachmentKind.INCOME_PROOF,
        AttachmentKind.CONSENT,
        AttachmentKind.OTHER,
    }
)

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-\d{7,8}$")
ACCOUNT_RE = re.compile(r"^\d{12,30}$")

#: Roles that may see a file's full IDs, bank account and health details (each view audited).
SENSITIVE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
#: Roles that may open files at all.
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.FINANCE)

#: Exclusions the caseworker records; the labour-relation rule is derived from the dates.
RECORDED_EXCLUSIONS = (
    Exclusion.TWO_HOMES,
    Exclusion.BUSINESS_OWNER,
    Exclusion.PRIVATE_SCHOOL,
    Exclusion.PRIVATE_CAR,
)
#: Files in these states can be corrected by a caseworker.
EDITABLE_STATES = {
    FileStatus.APPLIED,
    FileStatus.RETURNED,
    FileStatus.HOME_VISIT,
    FileStatus.ACTIVE,
}
#: Once a file is here the household's IDs stay with it, but it no longer counts as open.
CLOSED_STATES = {FileStatus.REJECTED, FileStatus.EXITED, FileStatus.CANCELLED}
REVIEW_INTERVAL_DAYS = 365
#: "Due for review" starts this many days before the date.
REVIEW_WARNING_DAYS = 30


# --- input -------------------------------------------------------------------------------


@dataclass
class MemberInput:
    relation: str = ""
    name: str = ""
    id_number: str = ""
    monthly_income_fen: int = 0
    health: str = Health.GOOD
    is_student: bool = False


@dataclass
class FileInput:
    """Everything typed into a registration, as plain values (money already in 分)."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    address: str = ""
    employer: str = ""
    work_status: str = WorkStatus.EMPLOYED
    health: str = Health.GOOD
    health_notes: str = ""
    is_migrant_worker: bool = False
    labour_relation_since: date | None = None
    is_union_member: bool = True
    is_model_worker: bool = False
    bank_name: str = ""
    bank_account: str = ""
    main_cause: str = Cause.OTHER
    secondary_causes: list[str] = field(default_factory=list)
    consent_signed_on: date | None = None
    members: list[MemberInput] = field(default_factory=list)
    annual_income_fen: int | None = 0
    rigid_expenses_fen: int = 0
    hardship_costs_fen: int = 0
    has_sudden_event: bool = False
    exclusions: list[str] = field(default_factory=list)


def member_field(index: int, name: str) -> str:
    """The error key for a household member's field, as the API and the form name it."""
    return f"household.{index}.{name}"


def normalise_phone(raw: str) -> str:
    return re.sub(r"[\s()（）]", "", (raw or "").strip()).replace("—", "-").replace("－", "-")


def _clean_text(value: str | None, limit: int) -> str:
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or ord(ch) >= 32).strip()
    return text[:limit]


@dataclass
class _Checked:
    head_number: str
    head_gender: str
    head_birth: date
    member_numbers: list[str]


def _validate(data: FileInput, *, today: date) -> _Checked:
    """Check the input's shape and every ID; raise one ValidationError naming every bad field."""
    errors: dict[str, str] = {}

    def need(key: str, value: str, message: str):
        if not (value or "").strip():
            errors[key] = message

    data.name = _clean_text(data.name, 50)
    need("name", data.name, _("Enter the name of the head of household."))
    head = None
    try:
        head = parse_resident_id(data.id_number, field="id_number", today=today)
    except ValidationError as err:
        errors.update(err.fields)
    data.phone = normalise_phone(data.phone)
    if not data.phone:
        errors["phone"] = _("Enter a phone number.")
    elif not (MOBILE_RE.match(data.phone) or LANDLINE_RE.match(data.phone)):
        errors["phone"] = _(
            "Enter an 11-digit mobile number starting 13–19 (e.g. 13912345678) or a landline "
            "with its area code (e.g. 0512-65230000)."
        )
    data.address = _clean_text(data.address, 255)
    need("address", data.address, _("Enter the home address."))
    data.employer = _clean_text(data.employer, 120)
    need("employer", data.employer, _("Enter the employer (or the last employer)."))
    if data.work_status not in WorkStatus.__members__.values():
        errors["work_status"] = _("Choose a work status from the list.")
    if data.health not in Health.__members__.values():
        errors["health"] = _("Choose a health status from the list.")
    data.health_notes = _clean_text(data.health_notes, 500)
    if data.is_migrant_worker and data.labour_relation_since is None:
        errors["labour_relation_since"] = _(
            "For a migrant worker, enter the date the current labour relation began."
        )
    if data.labour_relation_since and data.labour_relation_since > today:
        errors["labour_relation_since"] = _("This date lies in the future.")
    data.bank_name = _clean_text(data.bank_name, 60)
    data.bank_account = re.sub(r"[\s-]", "", data.bank_account or "")
    if data.bank_account and not ACCOUNT_RE.match(data.bank_account):
        errors["bank_account"] = _("A bank card or account number has 12 to 30 digits.")
    if data.bank_account and not data.bank_name:
        errors["bank_name"] = _("Enter the bank for this account.")
    if data.main_cause not in Cause.__members__.values():
        errors["main_cause"] = _("Choose the main cause of hardship.")
    secondary = list(dict.fromkeys(data.secondary_causes or []))
    if any(c not in Cause.__members__.values() for c in secondary):
        errors["secondary_causes"] = _("Choose secondary causes from the list.")
    data.secondary_causes = [c for c in secondary if c != data.main_cause]
    if data.consent_signed_on is None:
        errors["consent_signed_on"] = _(
            "Enter the date the applicant signed the consent form; no file without consent."
        )
    elif data.consent_signed_on > today:
        errors["consent_signed_on"] = _("This date lies in the future.")
    if data.annual_income_fen is None:
        errors["annual_income"] = _("Enter the household's annual income in yuan (0 if none).")
    for key, amount in (
        ("annual_income", data.annual_income_fen or 0),
        ("rigid_expenses", data.rigid_expenses_fen),
        ("hardship_costs", data.hardship_costs_fen),
    ):
        if amount is None or amount < 0:
            errors[key] = _("Enter an amount of zero or more.")
    if any(e not in RECORDED_EXCLUSIONS for e in data.exclusions or []):
        errors["exclusions"] = _("Choose exclusions from the list.")
    data.exclusions = list(dict.fromkeys(data.exclusions or []))

    numbers: list[str] = []
    seen = {head.number: "id_number"} if head else {}
    for i, member in enumerate(data.members):
        member.name = _clean_text(member.name, 50)
        need(member_field(i, "name"), member.name, _("Enter the member's name."))
        if member.relation not in Relation.__members__.values():
            errors[member_field(i, "relation")] = _("Choose the relation to the head.")
        if member.health not in Health.__members__.values():
            errors[member_field(i, "health")] = _("Choose a health status from the list.")
        if member.monthly_income_fen is None or member.monthly_income_fen < 0:
            errors[member_field(i, "monthly_income")] = _("Enter an amount of zero or more.")
        try:
            info = parse_resident_id(
                member.id_number, field=member_field(i, "id_number"), today=today
            )
        except ValidationError as err:
            errors.update(err.fields)
            numbers.append("")
            continue
        if info.number in seen:
            errors[member_field(i, "id_number")] = _(
                "This ID is entered twice in the same household."
            )
        seen[info.number] = member_field(i, "id_number")
        numbers.append(info.number)
    if len(data.members) > 20:
        errors["household"] = _("A household has at most 20 members besides the head.")

    if errors:
        raise ValidationError(
            _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
            fields=errors,
        )
    assert head is not None  # noqa: S101 - no errors means the head's ID parsed
    return _Checked(head.number, head.gender, head.birth_date, numbers)


def validate_input(data: FileInput, *, today: date | None = None) -> None:
    """Check an input without saving anything (for forms that show every error at once)."""
    _validate(data, today=today or local_today())


def _check_unique(checked: _Checked, *, own_applicant_id: int | None = None) -> None:
    """Refuse IDs already held by another file, naming only the centre that holds it."""
    keys = {keyed_hash(checked.head_number): "id_number"}
    for i, number in enumerate(checked.member_numbers):
        keys[keyed_hash(number)] = member_field(i, "id_number")
    stmt = (
        select(ResidentId.id_hash, Centre.name)
        .join(Applicant, Applicant.id == ResidentId.applicant_id)
        .join(Centre, Centre.id == Applicant.centre_id)
        .where(ResidentId.id_hash.in_(list(keys)))
    )
    if own_applicant_id is not None:
        stmt = stmt.where(ResidentId.applicant_id != own_applicant_id)
    held = db.session.execute(stmt).all()
    if not held:
        return
    fields = {}
    for id_hash, centre_name in held:
        fields[keys[id_hash]] = _(
            "This resident ID already belongs to a hardship file held by %(centre)s.",
            centre=centre_name,
        )
    first_centre = held[0][1]
    raise DomainError(
        _(
            "This resident ID already belongs to a hardship file held by %(centre)s.",
            centre=first_centre,
        ),
        fields=fields,
        held_by=first_centre,
    )


def files_holding(data: FileInput, user) -> list[Applicant]:
    """The files in the user's scope that already hold one of the input's resident IDs."""
    numbers = [data.id_number] + [m.id_number for m in data.members]
    hashes = [keyed_hash(re.sub(r"\s", "", n or "").upper()) for n in numbers if n]
    if not hashes:
        return []
    holders = select(ResidentId.applicant_id).where(ResidentId.id_hash.in_(hashes))
    stmt = scoped(select(Applicant), user, Applicant.centre_id).where(Applicant.id.in_(holders))
    return list(db.session.scalars(stmt.order_by(Applicant.id).limit(10)))


# --- file numbers --------------------------------------------------------------------------


def allocate_file_no(centre: Centre, year: int, *, session=None) -> str:
    """Issue the next `<centre>-<year>-<nnnnn>` number; the counter row is locked until commit."""
    seq = next_number(FileCounter.last_seq, session=session, centre_id=centre.id, year=year)
    return f"{centre.code}-{year}-{seq:05d}"


# --- assessment ----------------------------------------------------------------------------


def find_standard(centre: Centre, on: date) -> SubsistenceStandard | None:
    """Return the 低保 standard for the centre: the most specific region code that prefixes
    the centre's code, and within it the latest one in effect on `on`."""
    parts = centre.code.split("-")
    prefixes = ["-".join(parts[: i + 1]) for i in range(len(parts))]
    rows = db.session.scalars(
        select(SubsistenceStandard)
        .where(
            SubsistenceStandard.region_code.in_(prefixes),
            SubsistenceStandard.effective_from <= on,
        )
        .order_by(SubsistenceStandard.effective_from.desc())
    ).all()
    for prefix in reversed(prefixes):
        for row in rows:
            if row.region_code == prefix:
                return row
    return None


def per_capita_monthly_fen(annual_income_fen: int, rigid_expenses_fen: int, size: int) -> int:
    """(annual income − rigid expenses) ÷ 12 ÷ household size, in 分, rounded half up.

    A negative remainder counts as zero: expenses above income leave nothing per person.
    """
    net = max(annual_income_fen - rigid_expenses_fen, 0)
    divisor = 12 * size
    return (2 * net + divisor) // (2 * divisor)


def propose_category(
    *,
    per_capita_fen: int,
    standard_fen: int,
    annual_income_fen: int,
    hardship_costs_fen: int,
    has_sudden_event: bool,
    exclusions: list[str],
) -> str:
    """Apply the rule of domain.md: exclusions first, then 深度 (< 1×), 相对 (< 2×), 意外致困."""
    if exclusions:
        return Category.NOT_ELIGIBLE
    if per_capita_fen < standard_fen:
        return Category.DEEP
    if per_capita_fen < 2 * standard_fen:
        return Category.RELATIVE
    # Hardship costs over 80 % of the household's income, compared in whole 分.
    if has_sudden_event or 100 * hardship_costs_fen > 80 * annual_income_fen:
        return Category.ACCIDENT
    return Category.NOT_ELIGIBLE


def labour_relation_short(applicant: Applicant, today: date) -> bool:
    """A migrant worker needs at least one full year of labour relation."""
    if not applicant.is_migrant_worker:
        return False
    since = applicant.labour_relation_since
    if since is None:
        return True
    try:
        anniversary = since.replace(year=since.year + 1)
    except ValueError:  # 29 February
        anniversary = date(since.year + 1, 3, 1)
    return anniversary > today


def assess(
    applicant: Applicant,
    *,
    acting_user,
    annual_income_fen: int,
    rigid_expenses_fen: int,
    hardship_costs_fen: int = 0,
    has_sudden_event: bool = False,
    exclusions: list[str] | None = None,
    today: date | None = None,
) -> Assessment:
    """Add an assessment with its working; earlier assessments stay as history."""
    today = today or local_today()
    standard = find_standard(applicant.centre, today)
    if standard is None:
        raise DomainError(
            _(
                "No minimum living standard (低保) is set for %(centre)s; an administrator "
                "must add one before files can be assessed.",
                centre=applicant.centre.name,
            )
        )
    recorded = [e for e in (exclusions or []) if e in RECORDED_EXCLUSIONS]
    if labour_relation_short(applicant, today):
        recorded.append(Exclusion.SHORT_LABOUR_RELATION)
    size = applicant.household_size
    per_capita = per_capita_monthly_fen(annual_income_fen, rigid_expenses_fen, size)
    category = propose_category(
        per_capita_fen=per_capita,
        standard_fen=standard.monthly_fen,
        annual_income_fen=annual_income_fen,
        hardship_costs_fen=hardship_costs_fen,
        has_sudden_event=has_sudden_event,
        exclusions=recorded,
    )
    assessment = Assessment(
        applicant=applicant,
        annual_income_fen=annual_income_fen,
        rigid_expenses_fen=rigid_expenses_fen,
        household_size=size,
        per_capita_monthly_fen=per_capita,
        standard=standard,
        standard_monthly_fen=standard.monthly_fen,
        hardship_costs_fen=hardship_costs_fen,
        has_sudden_event=has_sudden_event,
        exclusions=[str(e) for e in recorded],
        proposed_category=category,
        category=category,
        assessed_by_id=acting_user.id if acting_user else None,
        assessed_at=utcnow(),
    )
    db.session.add(assessment)
    # The file's category follows the assessment until the file is on record; after that a
    # supervisor changes it explicitly (调整类别).
    if applicant.status != FileStatus.ACTIVE:
        applicant.category = category
    return assessment


def _assessment_inputs_changed(applicant: Applicant, data: FileInput, old_size: int) -> bool:
    latest = applicant.latest_assessment
    if latest is None:
        return True
    return (
        latest.annual_income_fen != data.annual_income_fen
        or latest.rigid_expenses_fen != data.rigid_expenses_fen
        or latest.hardship_costs_fen != data.hardship_costs_fen
        or latest.has_sudden_event != data.has_sudden_event
        or sorted(e for e in latest.exclusions if e in RECORDED_EXCLUSIONS)
        != sorted(data.exclusions)
        or old_size != 1 + len(data.members)
    )


#: The states in which a supervisor may override the proposed category.
OVERRIDE_STATES = (FileStatus.INITIAL_REVIEW, FileStatus.HOME_VISIT, FileStatus.FINAL_REVIEW)


def check_override(applicant: Applicant, user) -> None:
    """Raise the error `override_category` would, before the category and reason are read."""
    _require_role(user, Role.SUPERVISOR)
    _require_separate(applicant, user)
    if applicant.status not in OVERRIDE_STATES:
        raise DomainError(_("The category can be overridden only while the file is in review."))
    latest = applicant.latest_assessment
    if latest is None:
        raise DomainError(_("The file has no assessment yet."))
    if latest.exclusions:
        raise DomainError(
            _("An exclusion condition is recorded; it blocks the file whatever the category.")
        )


def override_category(applicant: Applicant, *, acting_user, category: str, reason: str) -> None:
    """A supervisor replaces the proposed category during review, with a recorded reason."""
    check_override(applicant, acting_user)
    reason = _require_reason(reason)
    if category not in (Category.DEEP, Category.RELATIVE, Category.ACCIDENT):
        message = _("Choose 深度困难, 相对困难 or 意外致困.")
        raise ValidationError(message, fields={"category": message})
    latest = applicant.latest_assessment
    before = latest.category
    latest.category = category
    latest.override_reason = reason
    latest.overridden_by_id = acting_user.id
    applicant.category = category
    _event(applicant, "override", acting_user, reason=reason)
    record(
        "applicant.category_overridden",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        before={"category": before},
        after={"category": category},
        comment=reason,
    )
    db.session.flush()


# --- registration and edits ----------------------------------------------------------------


def _require_role(user, *roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def _require_reason(reason: str | None) -> str:
    reason = _clean_text(reason, 500)
    if not reason:
        message = _("Give a reason; it is recorded on the file.")
        raise ValidationError(message, fields={"reason": message})
    return reason


def _event(applicant, action, user, *, from_status="", to_status="", reason="") -> FileEvent:
    event = FileEvent(
        applicant_id=applicant.id,
        action=action,
        from_status=from_status or applicant.status,
        to_status=to_status or applicant.status,
        reason=reason,
        centre_id=applicant.centre_id,
        user_id=user.id if user else None,
        at=utcnow(),
    )
    applicant.events.append(event)
    return event


def _summary(applicant: Applicant) -> dict:
    """Audit-safe facts about a file: masked IDs, no bank account, no health details."""
    return {
        "file_no": applicant.file_no,
        "name": applicant.name,
        "id_number": mask_id(applicant.id_number),
        "phone": applicant.phone,
        "address": applicant.address,
        "employer": applicant.employer,
        "work_status": applicant.work_status,
        "is_migrant_worker": applicant.is_migrant_worker,
        "is_union_member": applicant.is_union_member,
        "is_model_worker": applicant.is_model_worker,
        "bank_account": ("…" + applicant.bank_account_last4)
        if applicant.bank_account_last4
        else "",
        "main_cause": applicant.main_cause,
        "secondary_causes": list(applicant.secondary_causes or []),
        "consent_signed_on": str(applicant.consent_signed_on or ""),
        "household": [f"{m.relation}:{m.name}:{mask_id(m.id_number)}" for m in applicant.members],
    }


def _apply_head(applicant: Applicant, data: FileInput, checked: _Checked) -> None:
    applicant.name = data.name
    if applicant.id_number_enc is None or applicant.id_hash != keyed_hash(checked.head_number):
        applicant.id_number = checked.head_number
        applicant.id_hash = keyed_hash(checked.head_number)
    applicant.gender = checked.head_gender
    applicant.birth_date = checked.head_birth
    applicant.phone = data.phone
    applicant.address = data.address
    applicant.employer = data.employer
    applicant.work_status = data.work_status
    applicant.health = data.health
    from assist.core.crypto import encrypt

    applicant.health_notes_enc = encrypt(data.health_notes) if data.health_notes else None
    applicant.is_migrant_worker = data.is_migrant_worker
    applicant.labour_relation_since = data.labour_relation_since
    applicant.is_union_member = data.is_union_member
    applicant.is_model_worker = data.is_model_worker
    applicant.bank_name = data.bank_name
    if data.bank_account != applicant.bank_account:
        applicant.bank_account = data.bank_account
    applicant.main_cause = data.main_cause
    applicant.secondary_causes = list(data.secondary_causes)
    applicant.consent_signed_on = data.consent_signed_on


def _add_members(applicant: Applicant, data: FileInput, checked: _Checked) -> None:
    members = []
    for member_input, number in zip(data.members, checked.member_numbers, strict=True):
        member = HouseholdMember(
            relation=member_input.relation,
            name=member_input.name,
            id_hash=keyed_hash(number),
            monthly_income_fen=member_input.monthly_income_fen,
            health=member_input.health,
            is_student=member_input.is_student,
        )
        member.id_number = number
        applicant.members.append(member)
        members.append(member)
    db.session.flush()
    for member in members:
        db.session.add(
            ResidentId(id_hash=member.id_hash, applicant_id=applicant.id, member_id=member.id)
        )


def _flush_guarding_duplicates() -> None:
    """Flush; a unique violation here means another user registered the same ID a moment ago."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise DomainError(
            _(
                "This resident ID was registered by another user a moment ago; search for it "
                "before registering again."
            )
        ) from exc


def register_household(
    data: FileInput, *, acting_user, centre: Centre, today: date | None = None
) -> Applicant:
    """Open a hardship file: check everything, number it, assess it; nothing saved on error."""
    today = today or local_today()
    _require_role(acting_user, Role.CASEWORKER)
    if not centre_in_scope(acting_user, centre):
        raise NotFound(_("There is no such page or record."))
    if not centre.is_active:
        message = _("This centre is inactive and takes no new files.")
        raise ValidationError(message, fields={"centre": message})
    checked = _validate(data, today=today)
    _check_unique(checked)
    if find_standard(centre, today) is None:  # checked before a file number is spent
        raise DomainError(
            _(
                "No minimum living standard (低保) is set for %(centre)s; an administrator "
                "must add one before files can be assessed.",
                centre=centre.name,
            )
        )

    applicant = Applicant(
        file_no=allocate_file_no(centre, today.year),
        centre=centre,
        status=FileStatus.APPLIED,
        created_by_id=acting_user.id,
        status_reason="",
    )
    _apply_head(applicant, data, checked)
    db.session.add(applicant)
    _flush_guarding_duplicates()
    db.session.add(ResidentId(id_hash=applicant.id_hash, applicant_id=applicant.id))
    _add_members(applicant, data, checked)
    _flush_guarding_duplicates()
    assess(
        applicant,
        acting_user=acting_user,
        annual_income_fen=data.annual_income_fen,
        rigid_expenses_fen=data.rigid_expenses_fen,
        hardship_costs_fen=data.hardship_costs_fen,
        has_sudden_event=data.has_sudden_event,
        exclusions=data.exclusions,
        today=today,
    )
    _event(applicant, "registered", acting_user, to_status=FileStatus.APPLIED)
    record(
        "applicant.created",
        acting_user=acting_user,
        obj=applicant,
        centre=centre,
        after=_summary(applicant),
    )
    db.session.flush()
    return applicant


def input_from(applicant: Applicant) -> FileInput:
    """The file's current values as an input, for forms and partial updates (PATCH)."""
    from assist.core.crypto import decrypt

    latest = applicant.latest_assessment
    return FileInput(
        name=applicant.name,
        id_number=applicant.id_number,
        phone=applicant.phone,
        address=applicant.address,
        employer=applicant.employer,
        work_status=applicant.work_status,
        health=applicant.health,
        health_notes=decrypt(applicant.health_notes_enc) or "",
        is_migrant_worker=applicant.is_migrant_worker,
        labour_relation_since=applicant.labour_relation_since,
        is_union_member=applicant.is_union_member,
        is_model_worker=applicant.is_model_worker,
        bank_name=applicant.bank_name,
        bank_account=applicant.bank_account,
        main_cause=applicant.main_cause,
        secondary_causes=list(applicant.secondary_causes or []),
        consent_signed_on=applicant.consent_signed_on,
        members=[
            MemberInput(
                relation=m.relation,
                name=m.name,
                id_number=m.id_number,
                monthly_income_fen=m.monthly_income_fen,
                health=m.health,
                is_student=m.is_student,
            )
            for m in applicant.members
        ],
        annual_income_fen=latest.annual_income_fen if latest else 0,
        rigid_expenses_fen=latest.rigid_expenses_fen if latest else 0,
        hardship_costs_fen=latest.hardship_costs_fen if latest else 0,
        has_sudden_event=latest.has_sudden_event if latest else False,
        exclusions=[e for e in (latest.exclusions if latest else []) if e in RECORDED_EXCLUSIONS],
    )


def update_household(
    applicant: Applicant, data: FileInput, *, acting_user, today: date | None = None
) -> bool:
    """Correct a file; a change of income or household re-runs the assessment (history kept).

    Return True when a new assessment was made.
    """
    today = today or local_today()
    _require_role(acting_user, Role.CASEWORKER)
    if applicant.status not in EDITABLE_STATES:
        raise DomainError(
            _(
                "A file in state “%(state)s” cannot be changed; it must be returned first.",
                state=_status_label(applicant.status),
            )
        )
    checked = _validate(data, today=today)
    if applicant.status == FileStatus.ACTIVE and keyed_hash(checked.head_number) != (
        applicant.id_hash
    ):
        message = _("The head's ID of a file on record cannot change; cancel and re-register.")
        raise ValidationError(message, fields={"id_number": message})
    _check_unique(checked, own_applicant_id=applicant.id)
    before = _summary(applicant)
    old_size = applicant.household_size
    reassess = _assessment_inputs_changed(applicant, data, old_size)

    old_hash = applicant.id_hash
    _apply_head(applicant, data, checked)
    if applicant.id_hash != old_hash:
        db.session.execute(
            update(ResidentId)
            .where(ResidentId.applicant_id == applicant.id, ResidentId.member_id.is_(None))
            .values(id_hash=applicant.id_hash)
            .execution_options(synchronize_session=False)
        )
    old_members = [
        (m.relation, m.name, m.id_hash, m.monthly_income_fen, m.health, m.is_student)
        for m in applicant.members
    ]
    new_members = [
        (m.relation, m.name, keyed_hash(n), m.monthly_income_fen, m.health, m.is_student)
        for m, n in zip(data.members, checked.member_numbers, strict=True)
    ]
    if old_members != new_members:
        # Drop the members' ID claims first so a member kept in the list can claim it again.
        db.session.execute(
            delete(ResidentId)
            .where(ResidentId.applicant_id == applicant.id, ResidentId.member_id.is_not(None))
            .execution_options(synchronize_session=False)
        )
        applicant.members.clear()
        db.session.flush()
        _add_members(applicant, data, checked)
    _flush_guarding_duplicates()
    if reassess:
        assess(
            applicant,
            acting_user=acting_user,
            annual_income_fen=data.annual_income_fen,
            rigid_expenses_fen=data.rigid_expenses_fen,
            hardship_costs_fen=data.hardship_costs_fen,
            has_sudden_event=data.has_sudden_event,
            exclusions=data.exclusions,
            today=today,
        )
    changed_before, changed_after = _diff(before, _summary(applicant))
    if changed_after:
        _event(applicant, "updated", acting_user)
    if reassess:
        _event(applicant, "reassessed", acting_user)
    if changed_after or reassess:
        record(
            "applicant.updated",
            acting_user=acting_user,
            obj=applicant,
            centre=applicant.centre,
            before=changed_before,
            after=changed_after,
            comment="reassessed" if reassess else "",
        )
    db.session.flush()
    return reassess


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def reveal_sensitive(applicant: Applicant, *, acting_user) -> None:
    """Allow the full IDs, bank account and health details to be shown once, and log it."""
    _require_role(acting_user, *SENSITIVE_ROLES)
    record(
        "applicant.viewed_sensitive",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        comment="full ID, bank account, health details",
    )
    db.session.flush()


# --- workflow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str | None  # None: the status stays (an action on an active file)
    roles: tuple
    needs_reason: bool = False
    #: The supervisor acting may not be whoever created or submitted the file.
    separate_from_creator: bool = False


_REVIEW = frozenset({FileStatus.INITIAL_REVIEW, FileStatus.FINAL_REVIEW, FileStatus.PUBLIC_NOTICE})

#: The only transitions that exist. Anything else is refused here, whatever a page shows.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({FileStatus.APPLIED, FileStatus.RETURNED}),
            FileStatus.INITIAL_REVIEW,
            (Role.CASEWORKER,),
        ),
        Transition(
            "pass_initial",
            frozenset({FileStatus.INITIAL_REVIEW}),
            FileStatus.HOME_VISIT,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
        ),
        Transition(
            "complete_visit",
            frozenset({FileStatus.HOME_VISIT}),
            FileStatus.FINAL_REVIEW,
            (Role.CASEWORKER,),
        ),
        Transition(
            "approve",
            frozenset({FileStatus.FINAL_REVIEW}),
            FileStatus.PUBLIC_NOTICE,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
        ),
        Transition(
            "activate",
            frozenset({FileStatus.PUBLIC_NOTICE}),
            FileStatus.ACTIVE,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
        ),
        Transition(
            "return",
            _REVIEW,
            FileStatus.RETURNED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            separate_from_creator=True,
        ),
        Transition(
            "reject",
            _REVIEW,
            FileStatus.REJECTED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            separate_from_creator=True,
        ),
        Transition(
            "change_category",
            frozenset({FileStatus.ACTIVE}),
            None,
            (Role.SUPERVISOR,),
            needs_reason=True,
        ),
        Transition(
            "exit",
            frozenset({FileStatus.ACTIVE}),
            FileStatus.EXITED,
            (Role.SUPERVISOR,),
            needs_reason=True,
        ),
        Transition(
            "cancel",
            frozenset({FileStatus.ACTIVE}),
            FileStatus.CANCELLED,
            (Role.SUPERVISOR,),
            needs_reason=True,
        ),
        Transition(
            "reapply",
            frozenset({FileStatus.EXITED, FileStatus.REJECTED}),
            FileStatus.APPLIED,
            (Role.CASEWORKER,),
        ),
    )
}


def _status_label(status: str) -> str:
    from assist.applicants.labels import STATUS_LABELS

    return str(STATUS_LABELS.get(status, status))


def _submitters(applicant: Applicant) -> set[int]:
    ids = {applicant.created_by_id}
    for event in applicant.events:
        if event.action in ("registered", "submit", "reapply") and event.user_id:
            ids.add(event.user_id)
    return {i for i in ids if i}


def not_submitted_by(user):
    """SQL form of `_submitters`: files this user neither registered nor submitted."""
    return and_(
        or_(Applicant.created_by_id.is_(None), Applicant.created_by_id != user.id),
        ~exists().where(
            FileEvent.applicant_id == Applicant.id,
            FileEvent.action.in_(("registered", "submit", "reapply")),
            FileEvent.user_id == user.id,
        ),
    )


def notice_ended(today: date):
    """SQL condition: the file's public notice has run its centre's full period by `today`."""
    periods = db.session.scalars(select(Centre.notice_days).distinct()).all()
    return or_(
        false(),
        *(
            Applicant.centre_id.in_(select(Centre.id).where(Centre.notice_days == days))
            & (Applicant.notice_started_on <= today - timedelta(days=days))
            for days in periods
        ),
    )


def _require_separate(applicant: Applicant, acting_user) -> None:
    if acting_user.id in _submitters(applicant):
        raise PermissionDenied(
            _("You registered or submitted this file; another supervisor must review it.")
        )


def notice_ends_on(applicant: Applicant) -> date | None:
    if applicant.notice_started_on is None:
        return None
    return applicant.notice_started_on + timedelta(days=applicant.centre.notice_days)


def available_actions(applicant: Applicant, user) -> list[str]:
    """The transitions this user can take now (the API's ``allowed_actions``)."""
    return [a for a in offered_actions(applicant, user)[0] if a in TRANSITIONS]


def _last_entered_at(applicant: Applicant, status: str):
    for event in reversed(applicant.events):
        if event.to_status == status and event.from_status != status:
            return event.at
    return None


def check_transition(applicant: Applicant, action: str, user, *, today: date | None = None) -> None:
    """Raise the error `transition` would, before any input (reason, category) is read."""
    today = today or local_today()
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotFound(_("There is no such action."))
    if applicant.status not in t.sources:
        raise DomainError(
            _(
                "“%(action)s” is not possible for a file in state “%(state)s”.",
                action=_action_label(action),
                state=_status_label(applicant.status),
            )
        )
    _require_role(user, *t.roles)
    if t.separate_from_creator:
        _require_separate(applicant, user)
    latest = applicant.latest_assessment
    if action == "submit":
        problems = {}
        if applicant.consent_signed_on is None:
            problems["consent_signed_on"] = _("Record the date the consent form was signed.")
        if not has_attachment(OWNER_TYPE, applicant.id, AttachmentKind.CONSENT):
            problems["consent_scan"] = _("Upload the scanned, signed consent form.")
        if problems:
            raise ValidationError(
                _("The file cannot be submitted yet: %(what)s", what=" ".join(problems.values())),
                fields=problems,
            )
        if latest is not None and latest.exclusions:
            raise DomainError(
                _(
                    "An exclusion condition is recorded (%(what)s); the file cannot go forward.",
                    what=_exclusion_text(latest.exclusions),
                )
            )
    elif action == "complete_visit":
        entered = _last_entered_at(applicant, FileStatus.HOME_VISIT)
        visits = [v for v in applicant.visits if entered is None or v.recorded_at >= entered]
        if not visits:
            raise DomainError(_("Record the home visit (date, visitors, findings) first."))
    elif action == "approve":
        if latest is None:
            raise DomainError(_("The file has no assessment yet."))
        if latest.exclusions:
            raise DomainError(
                _(
                    "An exclusion condition is recorded (%(what)s); the file cannot go forward.",
                    what=_exclusion_text(latest.exclusions),
                )
            )
        if latest.category == Category.NOT_ELIGIBLE:
            raise DomainError(
                _(
                    "The assessment finds the household not eligible; override the category "
                    "with a reason, or reject the file."
                )
            )
    elif action == "activate":
        ends = notice_ends_on(applicant)
        if ends is not None and today < ends:
            raise DomainError(
                _(
                    "The public notice runs until %(date)s; the file goes on record after that.",
                    date=ends.isoformat(),
                )
            )


def offered_actions(applicant: Applicant, user) -> tuple[list[str], dict[str, str]]:
    """The actions the user can take now, and why each other one open to them cannot.

    Transitions the file's state does not lead to, or the user's role never takes, are left
    out. ``override`` (of the proposed category) is offered beside the transitions.
    """
    checks = [
        (t.name, lambda name=t.name: check_transition(applicant, name, user))
        for t in TRANSITIONS.values()
        if applicant.status in t.sources and user.has_role(*t.roles)
    ]
    if applicant.status in OVERRIDE_STATES and user.has_role(Role.SUPERVISOR):
        checks.append(("override", lambda: check_override(applicant, user)))
    allowed, blocked = [], {}
    for name, check in checks:
        try:
            check()
        except DomainError as err:
            blocked[name] = err.message
        else:
            allowed.append(name)
    return allowed, blocked


def _put_on_record(applicant: Applicant, today: date) -> None:
    latest = applicant.latest_assessment
    applicant.category = latest.category if latest else applicant.category
    applicant.activated_on = today
    applicant.last_reviewed_on = today
    applicant.review_due_on = today + timedelta(days=REVIEW_INTERVAL_DAYS)


def activate_ended_notices(today: date | None = None, limit: int = 200) -> int:
    """Put on record the files whose public notice has run its full period (the system acts).

    Idempotent, and cheap when nothing is due (one indexed query); rows another transaction
    holds are skipped, as that transaction is already moving them.
    """
    today = today or local_today()
    due = select(Applicant.id).where(
        Applicant.status == FileStatus.PUBLIC_NOTICE, notice_ended(today)
    )
    done = 0
    for applicant_id in db.session.scalars(due.order_by(Applicant.id).limit(limit)).all():
        applicant = db.session.scalars(
            select(Applicant)
            .where(Applicant.id == applicant_id, Applicant.status == FileStatus.PUBLIC_NOTICE)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if applicant is None:
            continue
        before_status, before_category = applicant.status, applicant.category
        _put_on_record(applicant, today)
        applicant.status = FileStatus.ACTIVE
        applicant.status_reason = ""
        _event(applicant, "activate", None, from_status=before_status, to_status=applicant.status)
        record(
            "applicant.activate",
            obj=applicant,
            centre=applicant.centre,
            before={"status": before_status, "category": before_category},
            after={"status": applicant.status, "category": applicant.category},
            comment="公示期满，无异议，自动在档。",
            username="system",
        )
        done += 1
    db.session.flush()
    return done


def transition(
    applicant: Applicant,
    action: str,
    *,
    acting_user,
    reason: str = "",
    category: str | None = None,
    today: date | None = None,
) -> None:
    """Move a file along the workflow, checking the transition table and the action's rules."""
    today = today or local_today()
    check_transition(applicant, action, acting_user, today=today)
    t = TRANSITIONS[action]
    if t.needs_reason:
        reason = _require_reason(reason)
    else:
        reason = _clean_text(reason, 500)

    before_status, before_category = applicant.status, applicant.category
    if action == "approve":
        applicant.notice_started_on = today
    elif action == "activate":
        _put_on_record(applicant, today)
    elif action == "change_category":
        if category not in (Category.DEEP, Category.RELATIVE, Category.ACCIDENT):
            message = _("Choose 深度困难, 相对困难 or 意外致困.")
            raise ValidationError(message, fields={"category": message})
        if category == applicant.category:
            message = _("The file already has this category.")
            raise ValidationError(message, fields={"category": message})
        applicant.category = category
    elif action in ("exit", "cancel", "reject"):
        applicant.review_due_on = None
    elif action == "reapply":
        applicant.activated_on = None
        applicant.notice_started_on = None
        applicant.review_due_on = None

    if t.target is not None:
        applicant.status = t.target
    if action in ("return", "reject", "exit", "cancel"):
        applicant.status_reason = reason
    elif action in ("submit", "reapply", "activate"):
        applicant.status_reason = ""
    _event(
        applicant,
        action,
        acting_user,
        from_status=before_status,
        to_status=applicant.status,
        reason=reason,
    )
    record(
        f"applicant.{action}",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        before={"status": before_status, "category": before_category},
        after={"status": applicant.status, "category": applicant.category},
        comment=reason,
    )
    db.session.flush()


def _action_label(action: str) -> str:
    from assist.applicants.labels import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def _exclusion_text(codes) -> str:
    from assist.applicants.labels import EXCLUSION_LABELS

    return "; ".join(str(EXCLUSION_LABELS.get(c, c)) for c in codes)


def add_home_visit(
    applicant: Applicant,
    *,
    acting_user,
    visited_on: date | None,
    visitors: str,
    findings: str,
    today: date | None = None,
) -> HomeVisit:
    """Record a home visit (入户调查) during the visit stage or on an active file."""
    today = today or local_today()
    _require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    if applicant.status not in (FileStatus.HOME_VISIT, FileStatus.ACTIVE):
        raise DomainError(_("Home visits are recorded once the file has passed initial review."))
    errors = {}
    visitors = _clean_text(visitors, 200)
    findings = _clean_text(findings, 4000)
    if visited_on is None:
        errors["visited_on"] = _("Enter the date of the visit.")
    elif visited_on > today:
        errors["visited_on"] = _("This date lies in the future.")
    if not visitors:
        errors["visitors"] = _("Name who made the visit (at least two people).")
    if not findings:
        errors["findings"] = _("Describe what the visit found.")
    if errors:
        raise ValidationError(
            _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
            fields=errors,
        )
    visit = HomeVisit(
        applicant_id=applicant.id,
        visited_on=visited_on,
        visitors=visitors,
        findings=findings,
        recorded_by_id=acting_user.id,
        recorded_at=utcnow(),
    )
    applicant.visits.append(visit)
    _event(applicant, "home_visit", acting_user, reason=f"{visited_on.isoformat()} · {visitors}")
    db.session.flush()
    record(
        "applicant.home_visit",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        after={"visited_on": visited_on.isoformat(), "visitors": visitors},
    )
    return visit


def record_review(
    applicant: Applicant, *, acting_user, note: str, today: date | None = None
) -> None:
    """Record the yearly review (动态管理) of an active file; the next one is due in a year."""
    today = today or local_today()
    _require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    if applicant.status != FileStatus.ACTIVE:
        raise DomainError(_("Only files on record are reviewed."))
    note = _clean_text(note, 500)
    if not note:
        message = _("Say what the review found (e.g. circumstances unchanged).")
        raise ValidationError(message, fields={"note": message})
    before = applicant.review_due_on
    applicant.last_reviewed_on = today
    applicant.review_due_on = today + timedelta(days=REVIEW_INTERVAL_DAYS)
    _event(applicant, "reviewed", acting_user, reason=note)
    record(
        "applicant.reviewed",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        before={"review_due_on": str(before or "")},
        after={"review_due_on": applicant.review_due_on.isoformat()},
        comment=note,
    )
    db.session.flush()


# --- transfers -----------------------------------------------------------------------------


def pending_transfer(applicant: Applicant) -> Transfer | None:
    return db.session.scalars(
        select(Transfer).where(
            Transfer.applicant_id == applicant.id, Transfer.status == TransferStatus.PENDING
        )
    ).first()


def request_transfer(
    applicant: Applicant, *, acting_user, to_centre: Centre | None, reason: str, note: str = ""
) -> Transfer:
    """Ask another centre to take over a file (job change, employer closed, moved home)."""
    _require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    errors = {}
    if applicant.status in (FileStatus.REJECTED, FileStatus.CANCELLED):
        raise DomainError(_("A rejected or cancelled file is not transferred."))
    if pending_transfer(applicant) is not None:
        raise DomainError(_("A transfer of this file is already waiting for acceptance."))
    if to_centre is None or not to_centre.is_active:
        errors["to_centre"] = _("Choose an active receiving centre.")
    elif to_centre.id == applicant.centre_id:
        errors["to_centre"] = _("The file is already at this centre.")
    if reason not in TransferReason.__members__.values():
        errors["reason"] = _("Choose the reason for the transfer.")
    note = _clean_text(note, 500)
    if reason == TransferReason.OTHER and not note:
        errors["note"] = _("Explain the reason.")
    if errors:
        raise ValidationError(
            _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
            fields=errors,
        )
    transfer = Transfer(
        applicant_id=applicant.id,
        from_centre_id=applicant.centre_id,
        to_centre_id=to_centre.id,
        reason=reason,
        note=note,
        status=TransferStatus.PENDING,
        requested_by_id=acting_user.id,
        requested_at=utcnow(),
    )
    db.session.add(transfer)
    _event(
        applicant, "transfer_requested", acting_user, reason=f"→ {to_centre.name}: {note}".strip()
    )
    db.session.flush()
    for centre in (applicant.centre, to_centre):
        record(
            "applicant.transfer_requested",
            acting_user=acting_user,
            obj=transfer,
            centre=centre,
            after={
                "file_no": applicant.file_no,
                "from": applicant.centre.code,
                "to": to_centre.code,
                "reason": reason,
            },
            comment=note,
        )
    return transfer


def _decide(transfer: Transfer, *, acting_user, status: str, note: str, action: str) -> None:
    applicant = transfer.applicant
    transfer.status = status
    transfer.decided_by_id = acting_user.id
    transfer.decided_at = utcnow()
    transfer.decision_note = note
    _event(applicant, action, acting_user, reason=note)
    for centre in (transfer.from_centre, transfer.to_centre):
        record(
            f"applicant.{action}",
            acting_user=acting_user,
            obj=transfer,
            centre=centre,
            after={
                "file_no": applicant.file_no,
                "from": transfer.from_centre.code,
                "to": transfer.to_centre.code,
                "status": status,
            },
            comment=note,
        )
    db.session.flush()


def _require_pending(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.PENDING:
        raise DomainError(_("This transfer has already been decided."))


def accept_transfer(transfer: Transfer, *, acting_user) -> None:
    """The receiving centre takes the file over; its history travels with it."""
    _require_role(acting_user, Role.SUPERVISOR)
    _require_pending(transfer)
    if not centre_in_scope(acting_user, transfer.to_centre):
        raise NotFound(_("There is no such page or record."))
    transfer.applicant.centre_id = transfer.to_centre_id
    transfer.applicant.centre = transfer.to_centre
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.ACCEPTED,
        note="",
        action="transfer_accepted",
    )


def decline_transfer(transfer: Transfer, *, acting_user, reason: str) -> None:
    _require_role(acting_user, Role.SUPERVISOR)
    _require_pending(transfer)
    if not centre_in_scope(acting_user, transfer.to_centre):
        raise NotFound(_("There is no such page or record."))
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.DECLINED,
        note=_require_reason(reason),
        action="transfer_declined",
    )


def withdraw_transfer(transfer: Transfer, *, acting_user) -> None:
    _require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    _require_pending(transfer)
    if not centre_in_scope(acting_user, transfer.from_centre):
        raise NotFound(_("There is no such page or record."))
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.WITHDRAWN,
        note="",
        action="transfer_withdrawn",
    )


# --- subsistence standards (admin) ---------------------------------------------------------


def add_standard(
    *,
    acting_user,
    region_code: str,
    region_name: str,
    monthly_fen: int | None,
    effective_from: date | None,
) -> SubsistenceStandard:
    """Record a 低保 standard for a region (a centre code prefix) from a date on."""
    _require_role(acting_user, Role.ADMIN)
    region_code = (region_code or "").strip().upper()
    region_name = _clean_text(region_name, 60)
    errors = {}
    if not region_code:
        errors["region_code"] = _("Enter the centre code the standard applies to, e.g. SZ.")
    elif db.session.scalar(select(Centre.id).where(Centre.code == region_code)) is None:
        errors["region_code"] = _("No centre has this code; the region is a centre code.")
    if not region_name:
        errors["region_name"] = _("Enter the region's name, e.g. 苏州市.")
    if monthly_fen is None or monthly_fen <= 0:
        errors["monthly"] = _("Enter the monthly standard in yuan, e.g. 1060.00.")
    if effective_from is None:
        errors["effective_from"] = _("Enter the date the standard takes effect.")
    if not errors and db.session.scalar(
        select(SubsistenceStandard.id).where(
            SubsistenceStandard.region_code == region_code,
            SubsistenceStandard.effective_from == effective_from,
        )
    ):
        errors["effective_from"] = _("This region already has a standard from this date.")
    if errors:
        raise ValidationError(
            _("Please correct the %(n)d marked field(s); nothing has been saved.", n=len(errors)),
            fields=errors,
        )
    standard = SubsistenceStandard(
        region_code=region_code,
        region_name=region_name,
        monthly_fen=monthly_fen,
        effective_from=effective_from,
        created_by_id=acting_user.id if acting_user else None,
    )
    db.session.add(standard)
    db.session.flush()
    record(
        "subsistence_standard.created",
        acting_user=acting_user,
        obj=standard,
        after={
            "region_code": region_code,
            "monthly": format_yuan(monthly_fen),
            "effective_from": effective_from.isoformat(),
        },
    )
    return standard


def _load_owner(owner_id: int, user) -> Applicant:
    from assist.core.scoping import get_scoped_or_404

    return get_scoped_or_404(Applicant, owner_id, user)


register_owner(
    OWNER_TYPE,
    Owner(
        load=_load_owner,
        centre=lambda applicant: applicant.centre,
        can_read=lambda user, applicant: user.has_role(*READ_ROLES),
        can_change=lambda user, applicant: (
            user.has_role(Role.CASEWORKER) and applicant.status not in CLOSED_STATES
        ),
        kinds=ATTACHMENT_KINDS,
    ),
)
