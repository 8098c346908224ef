"""Creating, renaming, moving and deactivating centres within the three-tier rules."""

import re

from flask_babel import gettext as _
from sqlalchemy import exc, func, literal, select, update

from assist.audit.services import diff, record
from assist.auth.models import Role, User
from assist.centres.models import DEFAULT_APPROVAL_LIMIT_FEN, Centre, Tier
from assist.core.errors import DomainError, PermissionDenied, ValidationError, refuse_fields
from assist.extensions import db

CODE_RE = re.compile(r"^[A-Z0-9]{1,12}(-[A-Z0-9]{1,12}){0,2}$")
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def find_centre(code: str) -> Centre | None:
    return db.session.scalars(select(Centre).where(Centre.code == code.strip().upper())).first()


def _require_admin(acting_user: User | None, centre: Centre | None) -> None:
    if acting_user is None:
        return
    if not acting_user.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators manage centres."))
    if centre is None or not centre.is_within(acting_user.centre):
        raise PermissionDenied(_("That centre is outside your scope."))


def _validate_details(name: str, phone: str, limit_fen: int | None, notice_days: int | None):
    fields = {}
    if not name.strip() or len(name.strip()) > 120:
        fields["name"] = _("Enter a name of at most 120 characters.")
    if phone and not PHONE_RE.match(phone.strip()):
        fields["phone"] = _(
            "Enter a mobile number (11 digits) or a landline such as 0512-65230000."
        )
    if limit_fen is not None and not (0 < limit_fen <= 100_000_000_00):
        fields["approval_limit"] = _("Enter a positive approval limit.")
    if notice_days is not None and not (0 <= notice_days <= 30):
        fields["notice_days"] = _("Enter a notice period of 0 to 30 days.")
    refuse_fields(fields)


def snapshot(centre: Centre) -> dict:
    return {
        "code": centre.code,
        "name": centre.name,
        "parent": centre.parent.code if centre.parent else None,
        "address": centre.address,
        "phone": centre.phone,
        "approval_limit_fen": centre.approval_limit_fen,
        "notice_days": centre.notice_days,
        "is_active": centre.is_active,
    }


def create_centre(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    parent: Centre | None = None,
    address: str = "",
    phone: str = "",
    approval_limit_fen: int | None = None,
) -> Centre:
    """Add a centre; its tier follows from the parent (none → city)."""
    code = code.strip().upper()
    if not CODE_RE.match(code):
        msg = _("Use upper-case letters and digits joined by dashes, such as SZ-GS-PJ.")
        raise ValidationError(msg, fields={"code": msg})
    if parent is None:
        if acting_user is not None:
            raise PermissionDenied(_("Only the command line can add a city centre."))
        tier = Tier.CITY
    else:
        _require_admin(acting_user, parent)
        if parent.tier >= Tier.STATION:
            msg = _("A station cannot have centres below it.")
            raise ValidationError(msg, fields={"parent": msg})
        if not parent.is_active:
            msg = _("The parent centre is inactive.")
            raise ValidationError(msg, fields={"parent": msg})
        if not code.startswith(parent.code + "-") or code.count("-") != parent.code.count("-") + 1:
            msg = _(
                "The code must be the parent's code plus one part, such as %(example)s.",
                example=parent.code + "-XX",
            )
            raise ValidationError(msg, fields={"code": msg})
        tier = Tier(parent.tier + 1)
    if find_centre(code) is not None:
        msg = _("This code is taken.")
        raise ValidationError(msg, fields={"code": msg})
    _validate_details(name, phone, approval_limit_fen, None)
    centre = Centre(
        code=code,
        name=name.strip(),
        tier=int(tier),
        parent=parent,
        address=address.strip(),
        phone=phone.strip(),
        approval_limit_fen=approval_limit_fen or DEFAULT_APPROVAL_LIMIT_FEN[tier],
    )
    db.session.add(centre)
    db.session.flush()
    centre.path = (parent.path if parent else "/") + f"{centre.id}/"
    db.session.flush()
    record(
        "centre.created", acting_user=acting_user, obj=centre, centre=centre, after=snapshot(centre)
    )
    return centre


def update_centre(
    centre: Centre,
    *,
    acting_user: User | None,
    name: str,
    address: str,
    phone: str,
    approval_limit_fen: int,
    notice_days: int,
) -> Centre:
    """Rename a centre or change its details."""
    _require_admin(acting_user, centre)
    _validate_details(name, phone, approval_limit_fen, notice_days)
    before = snapshot(centre)
    centre.name = name.strip()
    centre.address = address.strip()
    centre.phone = phone.strip()
    centre.approval_limit_fen = approval_limit_fen
    centre.notice_days = notice_days
    old, new = diff(before, snapshot(centre))
    if new:
        record(
            "centre.updated",
            acting_user=acting_user,
            obj=centre,
            centre=centre,
            before=old,
            after=new,
        )
    return centre


def move_centre(centre: Centre, *, acting_user: User | None, new_parent: Centre) -> Centre:
    """Move a centre under another parent of the same tier as its current parent."""
    _require_admin(acting_user, centre)
    _require_admin(acting_user, new_parent)
    if centre.parent is None or new_parent.tier != centre.tier - 1:
        msg = _("A centre can only move under another centre of its parent's tier.")
        raise ValidationError(msg, fields={"parent": msg})
    if new_parent.id == centre.parent_id:
        return centre
    if not new_parent.is_active:
        msg = _("The parent centre is inactive.")
        raise ValidationError(msg, fields={"parent": msg})
    old_path = centre.path
    new_path = f"{new_parent.path}{centre.id}/"
    before = {"parent": centre.parent.code}
    db.session.execute(
        update(Centre)
        .where(Centre.path.startswith(old_path))
        .values(path=literal(new_path) + func.substr(Centre.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )
    centre.parent = new_parent
    db.session.flush()
    db.session.expire_all()
    record(
        "centre.moved",
        acting_user=acting_user,
        obj=centre,
        centre=centre,
        before=before,
        after={"parent": new_parent.code},
    )
    return centre


def set_centre_active(centre: Centre, *, acting_user: User | None, active: bool) -> None:
    """Deactivate a centre (it keeps its data) or reactivate it."""
    _require_admin(acting_user, centre)
    if acting_user is not None and centre.id == acting_user.centre_id and not active:
        raise DomainError(_("You cannot deactivate your own centre."))
    if centre.is_active == active:
        return
    if not active and any(child.is_active for child in centre.children):
        raise DomainError(_("Deactivate the centres below it first."))
    if active and centre.parent is not None and not centre.parent.is_active:
        raise DomainError(_("The parent centre is inactive."))
    centre.is_active = active
    record(
        "centre.activated" if active else "centre.deactivated",
        acting_user=acting_user,
        obj=centre,
        centre=centre,
        before={"is_active": not active},
        after={"is_active": active},
    )


def delete_centre(centre: Centre, *, acting_user: User | None) -> None:
    """Delete a centre that holds no data; any other centre can only be deactivated."""
    _require_admin(acting_user, centre)
    if acting_user is not None and centre.id == acting_user.centre_id:
        raise DomainError(_("You cannot delete your own centre."))
    snap = snapshot(centre)
    parent = centre.parent
    try:
        with db.session.begin_nested():
            db.session.delete(centre)
            db.session.flush()
    except exc.IntegrityError as err:
        raise DomainError(_("This centre already holds data; deactivate it instead.")) from err
    record(
        "centre.deleted",
        acting_user=acting_user,
        object_type="centres",
        object_id=snap["code"],
        centre=parent,
        before=snap,
    )
