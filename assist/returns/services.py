"""Returns: compile from the records, sign (freeze), roll up to the parent, reopen as a new version.

A station compiles its return from its own records; a district or the city from its own records
plus the latest *signed* version of each direct child. Signing freezes the version (figures,
time, who, a SHA-256 of the content); later changes to the records never touch it. Only a parent
centre's supervisor may reopen a signed return, with a reason: that makes the next version, and
compiling it records the differences from the one before.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.returns.models import PeriodKind, PeriodReturn, ReturnStatus, ReturnVersion
from assist.stats.services import Period, month_end, own_figures

DEFAULT_DUE_DAY = 10


# --- periods -------------------------------------------------------------------------------


def parse_return_period(kind: str, period: str) -> Period:
    """'month' + '2026-03' or 'year' + '2026' → the Period; a clear 422 otherwise."""
    kind, period = str(kind or ""), str(period or "").strip()
    if kind not in set(PeriodKind):
        message = _("Choose a monthly or a yearly return.")
        raise ValidationError(message, fields={"period_kind": message})
    try:
        if kind == PeriodKind.YEAR:
            if len(period) != 4:
                raise ValueError(period)
            year = int(period)
            result = Period(date(year, 1, 1), date(year, 12, 31))
        else:
            if len(period) != 7 or period[4] != "-":
                raise ValueError(period)
            year, month = int(period[:4]), int(period[5:])
            result = Period(date(year, month, 1), month_end(year, month))
    except ValueError:
        message = (
            _("Enter the year as YYYY, e.g. 2026.")
            if kind == PeriodKind.YEAR
            else _("Enter the month as YYYY-MM, e.g. 2026-03.")
        )
        raise ValidationError(message, fields={"period": message}) from None
    if not 2000 <= result.start.year <= 2100:
        message = _("Enter a year between 2000 and 2100.")
        raise ValidationError(message, fields={"period": message})
    if result.start > local_today():
        message = _("This period has not begun yet.")
        raise ValidationError(message, fields={"period": message})
    return result


def due_date(kind: str, period: Period) -> date:
    """Returns fall due on the due day (a setting) of the month after the period."""
    day = int(current_app.config.get("RETURN_DUE_DAY", DEFAULT_DUE_DAY))
    end = period.end
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return date(year, month, min(max(day, 1), 28))


def current_period(kind: str) -> str:
    """The period most recently ended: last month, or last year."""
    today = local_today()
    if kind == PeriodKind.YEAR:
        return str(today.year - 1)
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


# --- reading -------------------------------------------------------------------------------


def find_return(centre: Centre, kind: str, period: str) -> PeriodReturn | None:
    return db.session.scalars(
        select(PeriodReturn)
        .where(
            PeriodReturn.centre_id == centre.id,
            PeriodReturn.period_kind == kind,
            PeriodReturn.period == period,
        )
        .options(selectinload(PeriodReturn.versions))
    ).first()


@dataclass
class ChildStatus:
    centre: Centre
    period_return: PeriodReturn | None
    signed: ReturnVersion | None
    is_late: bool

    @property
    def state(self) -> str:
        if self.signed is not None and self.period_return.current is self.signed:
            return "signed"
        if self.signed is not None:
            return "reopened"
        return "late" if self.is_late else "unsigned"


def latest_signed(period_return: PeriodReturn | None) -> ReturnVersion | None:
    if period_return is None:
        return None
    signed = [v for v in period_return.versions if v.status == ReturnStatus.SIGNED]
    return signed[-1] if signed else None


def children_status(centre: Centre, kind: str, period: str) -> list[ChildStatus]:
    """Each active direct child's return for the period: signed, reopened, late or unsigned."""
    parsed = parse_return_period(kind, period)
    late = local_today() > due_date(kind, parsed)
    children = db.session.scalars(
        select(Centre)
        .where(Centre.parent_id == centre.id, Centre.is_active.is_(True))
        .order_by(Centre.code)
    ).all()
    returns = {
        r.centre_id: r
        for r in db.session.scalars(
            select(PeriodReturn)
            .where(
                PeriodReturn.centre_id.in_([c.id for c in children]),
                PeriodReturn.period_kind == kind,
                PeriodReturn.period == period,
            )
            .options(selectinload(PeriodReturn.versions))
        )
    }
    out = []
    for child in children:
        ret = returns.get(child.id)
        signed = latest_signed(ret)
        out.append(ChildStatus(child, ret, signed, late and signed is None))
    return out


# --- rules ---------------------------------------------------------------------------------


def _require_supervisor_at(user, centre: Centre) -> None:
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor may compile, sign or reopen returns."))
    if user.centre_id != centre.id:
        raise PermissionDenied(
            _("Only the centre's own supervisors may compile or sign its return.")
        )


def check_compile(centre: Centre, period_return: PeriodReturn | None, *, acting_user) -> None:
    _require_supervisor_at(acting_user, centre)
    current = period_return.current if period_return else None
    if current is not None and current.status == ReturnStatus.SIGNED:
        raise DomainError(
            _(
                "Version %(n)d of this return is signed and frozen; only a parent centre can "
                "reopen it.",
                n=current.version,
            )
        )


def check_sign(period_return: PeriodReturn, *, acting_user) -> None:
    _require_supervisor_at(acting_user, period_return.centre)
    current = period_return.current
    if current is None or current.status != ReturnStatus.DRAFT:
        raise DomainError(_("Only a compiled, unsigned return can be signed."))


def check_reopen(period_return: PeriodReturn, *, acting_user) -> None:
    if not acting_user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(_("Only a supervisor may compile, sign or reopen returns."))
    centre = period_return.centre
    if centre.id == acting_user.centre_id or not centre.is_within(acting_user.centre):
        raise PermissionDenied(_("Only a parent centre may reopen a signed return."))
    current = period_return.current
    if current is None or current.status != ReturnStatus.SIGNED:
        raise DomainError(_("Only a signed return can be reopened."))


# --- actions -------------------------------------------------------------------------------


def _add(total: dict, figures: dict) -> None:
    for metric, rows in figures.items():
        target = total.setdefault(metric, {})
        for key, (count, amount) in rows.items():
            now = target.setdefault(key, [0, 0])
            now[0] += count
            now[1] += amount


def _changes(before: dict, after: dict) -> dict:
    out: dict = {}
    for metric in sorted(set(before) | set(after)):
        old, new = before.get(metric, {}), after.get(metric, {})
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key, [0, 0]), new.get(key, [0, 0])
            if list(a) != list(b):
                out.setdefault(metric, {})[key] = [list(a), list(b)]
    return out


def compile_return(
    centre: Centre, kind: str, period: str, *, acting_user, progress=None
) -> ReturnVersion:
    """Compile (or compile again) the centre's current, unsigned version from the records.

    The figures are counted first, writing nothing (`progress(done, total)` is told after each
    metric and may commit); the version is then written in one flush. So a compile stopped
    half-way leaves nothing behind, and compiling again updates the one draft version.
    """
    parsed = parse_return_period(kind, period)
    check_compile(centre, find_return(centre, kind, period), acting_user=acting_user)
    own = own_figures(centre, parsed, progress=progress)
    ret = find_return(centre, kind, period)
    check_compile(centre, ret, acting_user=acting_user)  # it may have been signed meanwhile
    if ret is None:
        ret = PeriodReturn(centre=centre, period_kind=kind, period=period)
        db.session.add(ret)
        db.session.flush()
    version = ret.current
    if version is None or version.status != ReturnStatus.DRAFT:
        version = ReturnVersion(period_return=ret, version=(version.version + 1) if version else 1)
        db.session.add(version)
    total: dict = {}
    _add(total, own)
    children = []
    for child in children_status(centre, kind, period):
        included = child.signed is not None
        if included:
            _add(total, child.signed.figures)
        children.append(
            {
                "centre_id": child.centre.id,
                "code": child.centre.code,
                "name": child.centre.name,
                "version": child.signed.version if included else None,
                "sha256": child.signed.sha256 if included else "",
                "state": child.state,
                "included": included,
            }
        )
    version.own_figures, version.figures, version.children = own, total, children
    previous = next((v for v in reversed(ret.versions) if v.version < version.version), None)
    version.changes = _changes(previous.figures, total) if previous else {}
    version.compiled_at, version.compiled_by_id = utcnow(), acting_user.id
    db.session.flush()
    record(
        "return.compiled",
        acting_user=acting_user,
        obj=version,
        centre=centre,
        after={"period": f"{kind}:{period}", "version": version.version},
    )
    return version


def content_hash(version: ReturnVersion) -> str:
    ret = version.period_return
    content = {
        "centre": ret.centre.code,
        "period_kind": ret.period_kind,
        "period": ret.period,
        "version": version.version,
        "figures": version.figures,
        "children": version.children,
        "signed_at": version.signed_at.isoformat() if version.signed_at else "",
        "signed_by": version.signed_by_id,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sign_return(period_return: PeriodReturn, *, acting_user) -> ReturnVersion:
    """Sign the current version: it is frozen with the time, the signer and a hash."""
    check_sign(period_return, acting_user=acting_user)
    version = period_return.current
    version.status = ReturnStatus.SIGNED
    version.signed_at: datetime = utcnow()
    version.signed_by_id = acting_user.id
    version.sha256 = content_hash(version)
    db.session.flush()
    record(
        "return.signed",
        acting_user=acting_user,
        obj=version,
        centre=period_return.centre,
        after={"version": version.version, "sha256": version.sha256},
    )
    return version


def reopen_return(period_return: PeriodReturn, *, acting_user, reason: str) -> ReturnVersion:
    """A parent reopens a signed return with a reason: the next version starts as a draft."""
    check_reopen(period_return, acting_user=acting_user)
    reason = "".join(ch for ch in (reason or "") if ch in "\n\t" or ord(ch) >= 32).strip()[:500]
    if not reason:
        message = _("Give the reason for reopening the return.")
        raise ValidationError(message, fields={"reason": message})
    old = period_return.current
    old.status = ReturnStatus.REOPENED
    old.reopened_at, old.reopened_by_id, old.reopen_reason = utcnow(), acting_user.id, reason
    db.session.flush()
    record(
        "return.reopened",
        acting_user=acting_user,
        obj=old,
        centre=period_return.centre,
        after={"version": old.version, "reason": reason},
    )
    return old
