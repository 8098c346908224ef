"""The funds' contribution to 我的待办: approved cases whose notice has ended, to pay."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from assist.auth.models import Role
from assist.cases.labels import KIND_LABELS, STATUS_LABELS
from assist.cases.models import AidCase
from assist.cases.queries import waiting_since
from assist.funds.queries import ready_to_pay_stmt
from assist.inbox.registry import InboxRow, InboxSource, register_source


def _query(user):
    remaining = AidCase.amount_approved_fen - AidCase.paid_fen
    return (
        ready_to_pay_stmt(user)
        .add_columns(waiting_since.label("since"), remaining.label("amount_fen"))
        .options(joinedload(AidCase.applicant), joinedload(AidCase.centre))
        .order_by(waiting_since.asc(), AidCase.id)
    )


def _row(case: AidCase, since, amount_fen) -> InboxRow:
    return InboxRow(
        record=case.case_no,
        url=url_for("funds.pay", case_id=case.id),
        household=case.applicant.name if case.applicant else case.person_name,
        what=f"{KIND_LABELS[case.kind]} · {STATUS_LABELS[case.status]}",
        centre=case.centre.name,
        since=since,
        amount_fen=amount_fen,
    )


register_source(
    InboxSource("to_pay", _l("Ready to pay"), _l("Payments"), (Role.FINANCE,), _query, _row, 40)
)
