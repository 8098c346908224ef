"""Assessment: the 低保 standard, per-capita income, the proposed category and overrides."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from assist.applicants.models import (
    Applicant,
    Assessment,
    Category,
    Exclusion,
    FileStatus,
    SubsistenceStandard,
)
from assist.applicants.rules import (
    RECORDED_EXCLUSIONS,
    add_event,
    clean_text,
    require_reason,
    require_role,
    require_separate,
)
from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.errors import DomainError, ValidationError, refuse_fields
from assist.core.money import format_yuan
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db


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


#: The states in which a supervisor may override the proposed category.
OVERRIDE_STATES = (FileStatus.INITIAL_REVIEW, FileStatus.HOME_VISIT, FileStatus.FINAL_REVIEW)


def check_override(applicant: Applicant, user=None, *, acting_user=None) -> None:
    """Raise the error `override_category` would, before the category and reason are read.

    Only another supervisor than the file's submitters, only while the file is in review, and
    only on an assessment without an exclusion. The user may be passed either way.
    """
    user = user if user is not None else acting_user
    require_role(user, Role.SUPERVISOR)
    require_separate(applicant, user)
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
    check_override(applicant, acting_user=acting_user)
    reason = require_reason(reason)
    if category not in (Category.DEEP, Category.RELATIVE, Category.ACCIDENT):
        message = _("Choose 深度困难, 相对困难 or 意外致困.")
        raise ValidationError(message, fields={"category": message})
    latest = applicant.latest_assessment
    before = latest.category
    latest.category = category
    latest.override_reason = reason
    latest.overridden_by_id = acting_user.id
    applicant.category = category
    add_event(applicant, "override", acting_user, reason=reason)
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


def add_standard(
    *,
    acting_user,
    region_code: str,
    region_name: str,
    monthly_fen: int | None,
    effective_from: date | None,
) -> SubsistenceStandard:
    """Record a 低保 standard for a region (a centre code prefix) from a date on."""
    require_role(acting_user, Role.ADMIN)
    region_code = (region_code or "").strip().upper()
    region_name = clean_text(region_name, 60)
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
    refuse_fields(errors, summary=True)
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
