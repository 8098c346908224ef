"""Sign-in, users, roles and API tokens: the state changes and their rules."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from assist.audit.models import AuditEntry
from assist.audit.services import diff, record
from assist.auth import throttle
from assist.auth.models import ApiToken, Role, User, UserRole
from assist.auth.passwords import (
    burn_verify_time,
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from assist.centres.models import Centre
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.timeutil import utcnow
from assist.extensions import db

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def find_user(username: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()


class SignInDelayed(DomainError):
    """Too many failed sign-ins on this account lately: it may try again after a short wait."""

    status = 429
    code = "throttled"

    def __init__(self, seconds: int):
        super().__init__(
            _(
                "Too many failed sign-ins on this account. Wait %(n)d seconds and try again.",
                n=seconds,
            ),
            retry_after=seconds,
        )
        self.seconds = seconds


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, auditing the attempt either way.

    Raises SignInDelayed, without checking the password, while the account's back-off runs.
    A returned user carries `failures_since_last_sign_in` (failed attempts since their last
    sign-in) for the sign-in page to tell them about.
    """
    wait = throttle.wait_for(username)
    if wait:
        raise SignInDelayed(wait)
    user = find_user(username) if username else None
    if user is None:
        burn_verify_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active_account
    if not ok:
        record(
            "auth.login_failed",
            acting_user=user,
            username=(username or "")[:64],
            object_type="users",
            object_id=user.id if user else "",
            centre=user.centre if user else None,
        )
        failures, wait = throttle.register_failure(username)
        if wait and user is not None and failures == current_app.config["LOGIN_BACKOFF_AFTER"] + 1:
            # The account is being guessed at: tell its administrators through the log.
            record(
                "auth.login_backoff",
                acting_user=user,
                obj=user,
                centre=user.centre,
                after={"failures": failures, "wait_seconds": wait},
            )
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failures_since_last_sign_in = failed_sign_ins_since(user, user.last_login_at)
    throttle.forget_failures(username)
    user.last_login_at = utcnow()
    record("auth.login", acting_user=user, obj=user, centre=user.centre)
    return user


def failed_sign_ins_since(user: User, since) -> int:
    """Count failed sign-ins on `user` recorded after `since` (None: ever)."""
    stmt = select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "auth.login_failed",
        AuditEntry.object_type == "users",
        AuditEntry.object_id == str(user.id),
    )
    if since is not None:
        stmt = stmt.where(AuditEntry.at > since)
    return db.session.scalar(stmt) or 0


def end_sessions(user: User) -> None:
    """Invalidate every web session of `user` on the server side."""
    user.session_version = (user.session_version or 0) + 1


def end_everything(user: User) -> int:
    """End every web session and revoke every API token of `user`; return tokens revoked.

    Called when the credentials change or the account closes (ASVS 7.4.3): a token issued
    under the old password must not outlive it.
    """
    end_sessions(user)
    revoked = 0
    for token in user_tokens(user):
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            revoked += 1
    return revoked


def sign_out(user: User) -> None:
    end_sessions(user)
    record("auth.logout", acting_user=user, obj=user, centre=user.centre)


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise ValidationError(" ".join(problems), fields={"password": " ".join(problems)})


def change_password(user: User, *, current: str, new: str) -> None:
    """Let a user set their own password; every other session of theirs ends."""
    if not verify_password(user.password_hash, current):
        raise ValidationError(
            _("The current password is wrong."),
            fields={"current_password": _("The current password is wrong.")},
        )
    if current == new:
        raise ValidationError(
            _("Choose a password different from the current one."),
            fields={"password": _("Choose a password different from the current one.")},
        )
    _check_password(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoked = end_everything(user)
    record(
        "auth.password_changed",
        acting_user=user,
        obj=user,
        centre=user.centre,
        after={"tokens_revoked": revoked},
    )


def _parse_roles(roles) -> list[Role]:
    try:
        parsed = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise ValidationError(_("Unknown role."), fields={"roles": _("Unknown role.")}) from exc
    if not parsed:
        raise ValidationError(
            _("Choose at least one role."), fields={"roles": _("Choose at least one role.")}
        )
    return parsed


def _require_admin_over(acting_user: User | None, centre: Centre) -> None:
    if acting_user is None:  # the command line acts with the machine's authority
        return
    if not acting_user.has_role(Role.ADMIN):
        raise PermissionDenied(_("Only administrators manage users."))
    if not centre.is_within(acting_user.centre):
        raise PermissionDenied(_("That centre is outside your scope."))


def user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "centre": user.centre.code if user.centre else None,
        "roles": sorted(r.value for r in user.roles),
        "is_active": user.is_active_account,
    }


def create_user(
    *,
    acting_user: User | None,
    username: str,
    centre: Centre,
    roles,
    password: str,
    full_name: str = "",
    must_change_password: bool = True,
) -> User:
    """Create a user; an admin-created account must set its own password at first sign-in."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        msg = _("Use 3–64 lower-case letters, digits, dots, dashes or underscores.")
        raise ValidationError(msg, fields={"username": msg})
    if find_user(username) is not None:
        msg = _("This username is taken.")
        raise ValidationError(msg, fields={"username": msg})
    _require_admin_over(acting_user, centre)
    if not centre.is_active:
        msg = _("This centre is inactive.")
        raise ValidationError(msg, fields={"centre": msg})
    parsed = _parse_roles(roles)
    _check_password(password, username)
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        centre=centre,
        must_change_password=must_change_password,
        role_rows=[UserRole(role=r.value) for r in parsed],
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.created", acting_user=acting_user, obj=user, centre=centre, after=user_snapshot(user)
    )
    return user


def update_user(
    user: User,
    *,
    acting_user: User,
    full_name: str,
    centre: Centre,
    roles,
    locale: str | None = None,
) -> User:
    """Change a user's name, centre and roles within the admin's scope."""
    _require_admin_over(acting_user, user.centre)
    _require_admin_over(acting_user, centre)
    parsed = _parse_roles(roles)
    if user.id == acting_user.id and Role.ADMIN not in parsed:
        raise DomainError(_("You cannot remove your own administrator role."))
    before = user_snapshot(user)
    user.full_name = full_name.strip()
    if user.centre_id != centre.id:
        user.centre = centre
        end_sessions(user)  # their scope changed: make them sign in again
    current = {r.role for r in user.role_rows}
    wanted = {r.value for r in parsed}
    if current != wanted:
        user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - current)
        ]
        end_sessions(user)
    if locale:
        user.locale = locale
    db.session.flush()
    old, new = diff(before, user_snapshot(user))
    record(
        "user.updated", acting_user=acting_user, obj=user, centre=user.centre, before=old, after=new
    )
    return user


def set_active(user: User, *, acting_user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate a user."""
    _require_admin_over(acting_user, user.centre)
    if user.id == acting_user.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    if user.is_active_account == active:
        return
    user.is_active_account = active
    end_everything(user)
    record(
        "user.activated" if active else "user.deactivated",
        acting_user=acting_user,
        obj=user,
        centre=user.centre,
        before={"is_active": not active},
        after={"is_active": active},
    )


def reset_password(user: User, *, acting_user: User) -> str:
    """Give the user a one-time temporary password that must be changed at next sign-in."""
    _require_admin_over(acting_user, user.centre)
    temporary = generate_password()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    revoked = end_everything(user)
    record(
        "user.password_reset",
        acting_user=acting_user,
        obj=user,
        centre=user.centre,
        after={"tokens_revoked": revoked},
    )
    return temporary


def generate_password() -> str:
    """Return a random password that satisfies the policy and is easy to read aloud."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationError(_("Unknown language."), fields={"locale": _("Unknown language.")})
    if user.locale != locale:
        record(
            "user.locale_changed",
            acting_user=user,
            obj=user,
            centre=user.centre,
            before={"locale": user.locale},
            after={"locale": locale},
        )
        user.locale = locale


# --- API tokens -------------------------------------------------------------------------

#: How precisely a token's last use is kept (a request within it writes nothing).
TOKEN_USE_PRECISION = timedelta(minutes=1)
TOKEN_PREFIX = "ast_"  # noqa: S105  (a public prefix, not a secret)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """Create an expiring API token; only its SHA-256 is stored, the token is returned once."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=_token_digest(plain),
        prefix=plain[:10],
        expires_at=utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"]),
    )
    db.session.add(token)
    db.session.flush()
    record("api_token.issued", acting_user=user, obj=token, centre=user.centre)
    return plain, token


def user_for_token(plain: str) -> User | None:
    """Return the active user behind a valid, unexpired, unrevoked token."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    token = (
        db.session.scalars(
            select(ApiToken)
            .options(joinedload(ApiToken.user).joinedload(User.role_rows))
            .where(ApiToken.token_hash == _token_digest(plain))
        )
        .unique()
        .first()
    )
    if token is None or not token.is_valid or not token.user.is_active_account:
        return None
    now = utcnow()
    # "Last used" is shown to the minute: a busy client does not write on every request.
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        token.last_used_at = now
    return token.user


def user_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(token: ApiToken, *, acting_user: User) -> None:
    if token.user_id != acting_user.id:
        _require_admin_over(acting_user, token.user.centre)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("api_token.revoked", acting_user=acting_user, obj=token, centre=token.user.centre)
