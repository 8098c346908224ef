"""Registration and edits of a hardship file: input, checks, IDs unique network-wide."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from assist.applicants.assessment import assess, find_standard
from assist.applicants.models import (
    Applicant,
    Cause,
    FileCounter,
    FileStatus,
    Health,
    HouseholdMember,
    Relation,
    ResidentId,
    WorkStatus,
)
from assist.applicants.rules import (
    EDITABLE_STATES,
    RECORDED_EXCLUSIONS,
    SENSITIVE_ROLES,
    add_event,
    clean_text,
    require_role,
    status_label,
)
from assist.audit.models import AuditEntry
from assist.audit.services import pending_refusals, record, record_even_if_refused
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.centres.scoping import centre_in_scope, scoped
from assist.core.counters import next_number
from assist.core.crypto import keyed_hash
from assist.core.errors import DomainError, NotFound, ValidationError, refuse_fields
from assist.core.masking import mask_id
from assist.core.resident_id import parse_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


LANDLINE_RE = re.compile(r"^0\d{2,3}-\d{7,8}$")


ACCOUNT_RE = re.compile(r"^\d{12,30}$")


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

    data.name = clean_text(data.name, 50)
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
    data.address = clean_text(data.address, 255)
    need("address", data.address, _("Enter the home address."))
    data.employer = clean_text(data.employer, 120)
    need("employer", data.employer, _("Enter the employer (or the last employer)."))
    if data.work_status not in WorkStatus.__members__.values():
        errors["work_status"] = _("Choose a work status from the list.")
    if data.health not in Health.__members__.values():
        errors["health"] = _("Choose a health status from the list.")
    data.health_notes = clean_text(data.health_notes, 500)
    if data.is_migrant_worker and data.labour_relation_since is None:
        errors["labour_relation_since"] = _(
            "For a migrant worker, enter the date the current labour relation began."
        )
    if data.labour_relation_since and data.labour_relation_since > today:
        errors["labour_relation_since"] = _("This date lies in the future.")
    data.bank_name = clean_text(data.bank_name, 60)
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
        member.name = clean_text(member.name, 50)
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

    refuse_fields(errors, summary=True)
    assert head is not None  # noqa: S101 - no errors means the head's ID parsed
    return _Checked(head.number, head.gender, head.birth_date, numbers)


def validate_input(data: FileInput, *, today: date | None = None) -> None:
    """Check an input without saving anything (for forms that show every error at once)."""
    _validate(data, today=today or local_today())


DUPLICATE_REFUSED = "applicant.duplicate_refused"


def _recent_duplicate_refusals(user) -> int:
    since = utcnow() - timedelta(hours=1)
    stored = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == DUPLICATE_REFUSED,
            AuditEntry.user_id == user.id,
            AuditEntry.at >= since,
        )
    )
    return (stored or 0) + pending_refusals(DUPLICATE_REFUSED, user.id)


def _check_unique(checked: _Checked, *, acting_user, own_applicant_id: int | None = None) -> None:
    """Refuse IDs already held by another file, naming only the centre that holds it.

    One household, one file: so the refusal tells any caseworker that an ID is registered
    somewhere. Every such refusal is audited, and past DUPLICATE_PROBES_PER_HOUR in an hour
    the user is sent to a supervisor instead of being told the centre.
    """
    keys = {keyed_hash(checked.head_number): "id_number"}
    for i, number in enumerate(checked.member_numbers):
        keys[keyed_hash(number)] = member_field(i, "id_number")
    stmt = (
        select(ResidentId.id_hash, Centre.name, ResidentId.applicant_id)
        .join(Applicant, Applicant.id == ResidentId.applicant_id)
        .join(Centre, Centre.id == Applicant.centre_id)
        .where(ResidentId.id_hash.in_(list(keys)))
    )
    if own_applicant_id is not None:
        stmt = stmt.where(ResidentId.applicant_id != own_applicant_id)
    held = db.session.execute(stmt).all()
    if not held:
        return
    limit = current_app.config["DUPLICATE_PROBES_PER_HOUR"]
    is_limited = _recent_duplicate_refusals(acting_user) >= limit
    record_even_if_refused(
        DUPLICATE_REFUSED,
        acting_user=acting_user,
        object_type="applicants",
        object_id=held[0][2],
        centre=acting_user.centre,
        after={"fields": sorted({keys[h] for h, _c, _a in held}), "limited": is_limited},
    )
    if is_limited:
        message = _(
            "You have met several registered resident IDs within the hour; ask a supervisor "
            "to check this one before you go on."
        )
        raise DomainError(message, fields={keys[held[0][0]]: message})
    fields = {}
    for id_hash, centre_name, _applicant_id in held:
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


def describe_held_ids(hashes: list[str], *, acting_user, via: str) -> dict[str, str]:
    """For many resident-ID hashes at once (an import), say which are already held, and how.

    The bulk form of `_check_unique`'s refusal, and stricter, since a file of thousands of IDs
    would otherwise tell whether each is registered and where: the holding centre is named
    only when it lies within the user's own scope and the user is under the hourly limit;
    otherwise the message says "another centre". One audit row records the look-up.
    """
    held: dict[str, tuple[str, str]] = {}
    for i in range(0, len(hashes), 900):
        chunk = hashes[i : i + 900]
        held.update(
            (h, (name, path))
            for h, name, path in db.session.execute(
                select(ResidentId.id_hash, Centre.name, Centre.path)
                .join(Applicant, Applicant.id == ResidentId.applicant_id)
                .join(Centre, Centre.id == Applicant.centre_id)
                .where(ResidentId.id_hash.in_(chunk))
            )
        )
    if not held:
        return {}
    limited = (
        _recent_duplicate_refusals(acting_user) >= current_app.config["DUPLICATE_PROBES_PER_HOUR"]
    )
    record(
        DUPLICATE_REFUSED,
        acting_user=acting_user,
        object_type="applicants",
        object_id=None,
        centre=acting_user.centre,
        after={"via": via, "count": len(held), "limited": limited},
    )
    own = acting_user.centre.path
    elsewhere = _(
        "This resident ID already belongs to a hardship file at another centre; "
        "ask a supervisor before importing it."
    )
    return {
        h: (
            _(
                "This resident ID already belongs to a hardship file held by %(centre)s.",
                centre=name,
            )
            if not limited and path.startswith(own)
            else elsewhere
        )
        for h, (name, path) in held.items()
    }


def files_holding(data: FileInput, user) -> list[Applicant]:
    """The files in the user's scope that already hold one of the input's resident IDs."""
    numbers = [data.id_number] + [m.id_number for m in data.members]
    hashes = [keyed_hash(re.sub(r"\s", "", n or "").upper()) for n in numbers if n]
    if not hashes:
        return []
    holders = select(ResidentId.applicant_id).where(ResidentId.id_hash.in_(hashes))
    stmt = scoped(select(Applicant), user, Applicant.centre_id).where(Applicant.id.in_(holders))
    return list(db.session.scalars(stmt.order_by(Applicant.id).limit(10)))


def allocate_file_no(centre: Centre, year: int, *, session=None) -> str:
    """Issue the next `<centre>-<year>-<nnnnn>` number; the counter row is locked until commit."""
    seq = next_number(FileCounter.last_seq, session=session, centre_id=centre.id, year=year)
    return f"{centre.code}-{year}-{seq:05d}"


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


def _assess(applicant: Applicant, data: FileInput, *, acting_user, today: date) -> None:
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


def register_household(
    data: FileInput, *, acting_user, centre: Centre, today: date | None = None
) -> Applicant:
    """Open a hardship file: check everything, number it, assess it; nothing saved on error."""
    today = today or local_today()
    require_role(acting_user, Role.CASEWORKER)
    if not centre_in_scope(acting_user, centre):
        raise NotFound(_("There is no such page or record."))
    if not centre.is_active:
        message = _("This centre is inactive and takes no new files.")
        raise ValidationError(message, fields={"centre": message})
    checked = _validate(data, today=today)
    _check_unique(checked, acting_user=acting_user)
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
    _assess(applicant, data, acting_user=acting_user, today=today)
    add_event(applicant, "registered", acting_user, to_status=FileStatus.APPLIED)
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
    require_role(acting_user, Role.CASEWORKER)
    if applicant.status not in EDITABLE_STATES:
        raise DomainError(
            _(
                "A file in state “%(state)s” cannot be changed; it must be returned first.",
                state=status_label(applicant.status),
            )
        )
    checked = _validate(data, today=today)
    if applicant.status == FileStatus.ACTIVE and keyed_hash(checked.head_number) != (
        applicant.id_hash
    ):
        message = _("The head's ID of a file on record cannot change; cancel and re-register.")
        raise ValidationError(message, fields={"id_number": message})
    _check_unique(checked, acting_user=acting_user, own_applicant_id=applicant.id)
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
        _assess(applicant, data, acting_user=acting_user, today=today)
    changed_before, changed_after = _diff(before, _summary(applicant))
    if changed_after:
        add_event(applicant, "updated", acting_user)
    if reassess:
        add_event(applicant, "reassessed", acting_user)
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
    require_role(acting_user, *SENSITIVE_ROLES)
    record(
        "applicant.viewed_sensitive",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        comment="full ID, bank account, health details",
    )
    db.session.flush()
