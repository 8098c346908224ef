"""Payments in the top bar's search: the bank reference, or the payment number (#12)."""

import re

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from assist.auth.models import Role
from assist.centres.scoping import scoped
from assist.core.money import format_yuan
from assist.extensions import db
from assist.funds.models import Payment
from assist.search.registry import LIMIT, Hit, Provider, register_provider

NUMBER_RE = re.compile(r"^#?(\d{1,9})$")


def _search(user, q: str) -> list[Hit]:
    conditions = [Payment.bank_reference == q]
    number = NUMBER_RE.match(q)
    if number and q.startswith("#"):
        conditions.append(Payment.id == int(number.group(1)))
    stmt = scoped(select(Payment), user, Payment.centre_id).where(or_(*conditions))
    stmt = stmt.options(joinedload(Payment.case)).order_by(Payment.id.desc()).limit(LIMIT)
    return [
        Hit(
            kind=_("Payment"),
            record=f"#{p.id}",
            title=p.recipient_name,
            url=url_for("funds.payment", payment_id=p.id),
            note=f"{p.case.case_no} · ¥{format_yuan(p.amount_fen)} · {p.bank_reference}",
        )
        for p in db.session.scalars(stmt)
    ]


register_provider(Provider("payments", (Role.FINANCE, Role.AUDITOR, Role.ADMIN), _search, order=30))
