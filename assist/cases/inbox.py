"""The aid cases' contribution to 我的待办: the work queues of assist.cases.queries."""

from flask import url_for
from flask_babel import lazy_gettext as _l

from assist.cases import queries
from assist.cases.labels import KIND_LABELS, STATUS_LABELS
from assist.cases.models import AidCase
from assist.cases.services import not_opened_by
from assist.inbox.registry import InboxRow, InboxSource, register_source

GROUP = _l("Aid cases")


def _query(qdef):
    def query(user):
        stmt = queries.queue_stmt(user, qdef).add_columns(
            queries.waiting_since.label("since"), queries.amount_column(qdef).label("amount_fen")
        )
        if qdef.key == "approvals":
            stmt = stmt.where(not_opened_by(user))
        return stmt.order_by(queries.waiting_since.asc(), AidCase.id)

    return query


def _row(case: AidCase, since, amount_fen) -> InboxRow:
    escalated = case.approval_centre_id not in (None, case.centre_id) and case.status == "submitted"
    return InboxRow(
        record=case.case_no,
        url=url_for("cases.show", case_id=case.id),
        household=case.applicant.name if case.applicant else case.person_name,
        what=f"{KIND_LABELS[case.kind]} · {STATUS_LABELS[case.status]}",
        centre=case.centre.name,
        since=since,
        amount_fen=amount_fen if case.is_money else None,
        note=str(_l("escalated")) if escalated else "",
    )


#: Payment is the funds domain's section (assist.funds.inbox): one "ready to pay" for finance.
for order, qdef in enumerate(queries.QUEUES, start=20):
    if qdef.key == "to_pay":
        continue
    register_source(InboxSource(qdef.key, qdef.title, GROUP, qdef.roles, _query(qdef), _row, order))
