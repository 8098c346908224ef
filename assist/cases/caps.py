"""Yearly caps per aid kind: dated settings with the defaults from domain.md."""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import func, select

from assist.applicants.models import Category
from assist.applicants.services import find_standard
from assist.cases.models import AidCase, AidKind, AidRule, CaseStatus, SchoolLevel
from assist.core.errors import DomainError
from assist.core.money import fen_to_decimal_str, format_yuan
from assist.core.timeutil import local_to_utc, local_today
from assist.extensions import db


@dataclass(frozen=True)
class RuleDefault:
    cap_fen: int | None = None
    cap_standard_months: int | None = None
    skips_notice: bool = False


#: (kind, variant) → default rule. Variants: living deep/other, schooling per level.
DEFAULT_RULES: dict[tuple[str, str], RuleDefault] = {
    (AidKind.LIVING, "deep"): RuleDefault(cap_standard_months=12),
    (AidKind.LIVING, "other"): RuleDefault(cap_standard_months=10),
    (AidKind.MEDICAL, ""): RuleDefault(cap_fen=2_000_000),
    (AidKind.SCHOOLING, SchoolLevel.UNIVERSITY): RuleDefault(cap_fen=500_000),
    (AidKind.SCHOOLING, SchoolLevel.HIGH_SCHOOL): RuleDefault(cap_fen=300_000),
    (AidKind.HOLIDAY, ""): RuleDefault(cap_fen=300_000),
    # Emergency help: paid first, without waiting for the public notice.
    (AidKind.TEMPORARY, ""): RuleDefault(cap_fen=300_000, skips_notice=True),
    # Claims under a plan's benefit table: no public notice unless a dated rule asks for one.
    (AidKind.MUTUAL_AID, ""): RuleDefault(skips_notice=True),
    (AidKind.LEGAL, ""): RuleDefault(),
    (AidKind.JOB, ""): RuleDefault(),
}

#: Statuses whose approved amount counts as granted.
GRANTED_STATUSES = (
    CaseStatus.APPROVED,
    CaseStatus.IN_NOTICE,
    CaseStatus.ON_HOLD,
    CaseStatus.READY_TO_PAY,
    CaseStatus.PARTLY_PAID,
    CaseStatus.PAID,
    CaseStatus.CLOSED,
)


@dataclass(frozen=True)
class Rule:
    kind: str
    variant: str
    cap_fen: int | None
    cap_standard_months: int | None
    skips_notice: bool
    effective_from: date | None  # None: the built-in default


def rule_for(kind: str, variant: str = "", on: date | None = None) -> Rule:
    """Return the rule in force for (kind, variant) on the day `on` (today by default)."""
    on = on or local_today()
    row = db.session.scalars(
        select(AidRule)
        .where(AidRule.kind == kind, AidRule.variant == variant, AidRule.effective_from <= on)
        .order_by(AidRule.effective_from.desc())
    ).first()
    if row is not None:
        return Rule(
            kind,
            variant,
            row.cap_fen,
            row.cap_standard_months,
            row.skips_notice,
            row.effective_from,
        )
    default = DEFAULT_RULES.get((kind, variant), RuleDefault())
    return Rule(
        kind,
        variant,
        default.cap_fen,
        default.cap_standard_months,
        default.skips_notice,
        None,
    )


def skips_notice(kind: str, on: date | None = None) -> bool:
    return rule_for(kind, "", on).skips_notice


def variant_of(case: AidCase) -> str:
    if case.kind == AidKind.LIVING:
        category = case.applicant.category if case.applicant else None
        return "deep" if category == Category.DEEP else "other"
    if case.kind == AidKind.SCHOOLING:
        return case.school_level or ""
    return ""


#: From this share of the cap on (granted this year plus this request), the cap is nearly used.
NEARLY_USED_PERCENT = 80


@dataclass(frozen=True)
class CapCheck:
    cap_fen: int | None
    granted_fen: int
    request_fen: int
    basis: str

    @property
    def exceeded(self) -> bool:
        return self.cap_fen is not None and self.granted_fen + self.request_fen > self.cap_fen

    @property
    def remaining_fen(self) -> int | None:
        return None if self.cap_fen is None else max(self.cap_fen - self.granted_fen, 0)

    @property
    def after_fen(self) -> int:
        """Granted this year once this request is granted too."""
        return self.granted_fen + self.request_fen

    @property
    def used_percent(self) -> int | None:
        """How much of the cap this year's aid uses with this request, in whole per cent."""
        if not self.cap_fen:
            return None
        return (100 * self.after_fen) // self.cap_fen

    @property
    def nearly_used(self) -> bool:
        """At or above NEARLY_USED_PERCENT of the cap, but not over it."""
        percent = self.used_percent
        return percent is not None and not self.exceeded and percent >= NEARLY_USED_PERCENT


def _year_bounds(on: date) -> tuple[datetime, datetime]:
    start = local_to_utc(datetime.combine(date(on.year, 1, 1), time.min))
    end = local_to_utc(datetime.combine(date(on.year + 1, 1, 1), time.min))
    return start, end


def granted_this_year(case: AidCase, on: date | None = None) -> int:
    """Sum what was approved this (local) year for the case's cap unit, other than the case."""
    on = on or local_today()
    start, end = _year_bounds(on)
    amount = func.coalesce(AidCase.amount_approved_fen, 0) - _reversed_part()
    stmt = select(func.coalesce(func.sum(amount), 0)).where(
        AidCase.kind == case.kind,
        AidCase.status.in_(GRANTED_STATUSES),
        AidCase.approved_at >= start,
        AidCase.approved_at < end,
    )
    if case.id is not None:
        stmt = stmt.where(AidCase.id != case.id)
    if case.kind == AidKind.SCHOOLING:
        stmt = stmt.where(AidCase.person_id_hash == case.person_id_hash)
    elif case.kind == AidKind.TEMPORARY:
        stmt = stmt.where(AidCase.person_id_hash == case.person_id_hash)
    else:
        stmt = stmt.where(AidCase.applicant_id == case.applicant_id)
    if case.kind == AidKind.HOLIDAY:
        stmt = stmt.where(AidCase.occasion == case.occasion)
    return int(db.session.scalar(stmt) or 0)


def _reversed_part():
    """Closed cases count only what was paid: a closed, part-paid case frees the rest."""
    from sqlalchemy import case as sql_case

    return sql_case(
        (
            (AidCase.status == CaseStatus.CLOSED) & (AidCase.paid_fen > 0),
            func.coalesce(AidCase.amount_approved_fen, 0) - AidCase.paid_fen,
        ),
        else_=0,
    )


def check_cap(case: AidCase, request_fen: int, on: date | None = None) -> CapCheck:
    """Work out the cap, what was granted this year and this request, for `case`."""
    on = on or local_today()
    rule = rule_for(case.kind, variant_of(case), on)
    cap = rule.cap_fen
    basis = ""
    if rule.cap_standard_months is not None:
        standard = find_standard(case.centre, on or local_today())
        if standard is None:
            raise DomainError(
                _(
                    "No minimum living standard (低保) is set for %(centre)s; "
                    "the cap for this aid cannot be worked out.",
                    centre=case.centre.name,
                )
            )
        months_cap = rule.cap_standard_months * standard.monthly_fen
        basis = _(
            "%(months)d × the monthly 低保 standard of %(standard)s yuan",
            months=rule.cap_standard_months,
            standard=format_yuan(standard.monthly_fen),
        )
        cap = months_cap if cap is None else min(cap, months_cap)
    granted = granted_this_year(case, on) if cap is not None else 0
    return CapCheck(cap, granted, request_fen, basis)


def household_cap(
    kind: str,
    *,
    centre,
    applicant=None,
    person_id_hash: str | None = None,
    school_level: str = "",
    occasion: str = "",
    request_fen: int = 0,
) -> CapCheck:
    """The cap check for aid not yet opened: the household (or person) and kind, and a request.

    Builds an unsaved case and asks `check_cap`, so the figures are the ones saving would use.
    """
    draft = AidCase(
        kind=kind,
        centre=centre,
        applicant=applicant,
        applicant_id=applicant.id if applicant is not None else None,
        person_id_hash=person_id_hash
        or (applicant.id_hash if applicant is not None and kind == AidKind.TEMPORARY else None),
        school_level=school_level or None,
        occasion=occasion or None,
    )
    return check_cap(draft, request_fen)


def cap_message(result: CapCheck) -> str:
    """The cap check in words: over the cap (the refusal saving gives), or within it."""
    if result.cap_fen is None:
        return _("This kind of aid has no yearly cap.")
    if result.exceeded:
        message = _(
            "This exceeds the yearly cap: cap %(cap)s yuan, already granted this year "
            "%(granted)s yuan, this request %(request)s yuan.",
            cap=format_yuan(result.cap_fen),
            granted=format_yuan(result.granted_fen),
            request=format_yuan(result.request_fen),
        )
    else:
        message = _(
            "Within the yearly cap: cap %(cap)s yuan, already granted this year %(granted)s "
            "yuan, this request %(request)s yuan, %(left)s yuan left after it.",
            cap=format_yuan(result.cap_fen),
            granted=format_yuan(result.granted_fen),
            request=format_yuan(result.request_fen),
            left=format_yuan(result.cap_fen - result.after_fen),
        )
    if result.basis:
        message += " " + _("(The cap is %(basis)s.)", basis=result.basis)
    return message


def enforce_cap(case: AidCase, request_fen: int, *, field: str = "amount_requested") -> CapCheck:
    """Refuse, with the figures, an amount that would take the year's aid over the cap."""
    result = check_cap(case, request_fen)
    if result.exceeded:
        message = cap_message(result)
        raise DomainError(
            message,
            fields={field: message},
            cap=fen_to_decimal_str(result.cap_fen),
            granted=fen_to_decimal_str(result.granted_fen),
            request=fen_to_decimal_str(request_fen),
        )
    return result
