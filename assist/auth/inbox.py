"""The administrators' notice in 我的待办: accounts whose sign-ins are being guessed at."""

from datetime import timedelta

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, null, select
from sqlalchemy.sql import cast

from assist.audit.models import AuditEntry
from assist.auth.models import Role
from assist.centres.scoping import path_in_scope
from assist.core.timeutil import utcnow
from assist.inbox.registry import InboxRow, InboxSource, register_source

#: How long an account's back-off stays on its administrators' list.
NOTICE_DAYS = 7
BACKOFF = "auth.login_backoff"


def _guessed_accounts(user):
    return (
        select(AuditEntry, AuditEntry.at.label("since"), cast(null(), Integer).label("amount"))
        .where(
            AuditEntry.action == BACKOFF,
            AuditEntry.at >= utcnow() - timedelta(days=NOTICE_DAYS),
            path_in_scope(user, AuditEntry.centre_path),
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )


def _row(entry: AuditEntry, since, _amount) -> InboxRow:
    failures = (entry.after or {}).get("failures", 0)
    return InboxRow(
        record=entry.username,
        url=url_for("users.edit", user_id=entry.user_id),
        what=str(_l("Failed sign-ins")),
        since=since,
        note=str(_l("%(n)s failed sign-ins; later attempts were delayed.", n=failures)),
    )


register_source(
    InboxSource(
        "accounts_under_guessing",
        _l("Accounts with many failed sign-ins"),
        _l("Users"),
        (Role.ADMIN,),
        _guessed_accounts,
        _row,
        order=90,
        hint=_l("Check with the user; reset their password if it may be known."),
    )
)
