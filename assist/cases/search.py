"""Aid cases in the top bar's search: case number, file number or name."""

from flask import url_for
from flask_babel import gettext as _

from assist.auth.models import Role
from assist.cases import queries
from assist.cases.labels import KIND_LABELS, STATUS_LABELS
from assist.cases.models import AidCase
from assist.extensions import db
from assist.search.registry import LIMIT, Hit, Provider, register_provider


def _search(user, q: str) -> list[Hit]:
    stmt = queries.search(queries.visible_cases(user), q).order_by(AidCase.id.desc())
    return [
        Hit(
            kind=_("Aid case"),
            record=c.case_no,
            title=c.applicant.name if c.applicant else c.person_name,
            url=url_for("cases.show", case_id=c.id),
            note=f"{KIND_LABELS[c.kind]} · {STATUS_LABELS[c.status]} · {c.centre.name}",
        )
        for c in db.session.scalars(stmt.limit(LIMIT))
    ]


register_provider(
    Provider(
        "cases",
        (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR),
        _search,
        order=20,
    )
)
