"""Hardship files in the top bar's search: name, full or last-4 ID, phone, file number."""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from assist.applicants import queries
from assist.applicants.labels import STATUS_LABELS
from assist.applicants.models import Applicant
from assist.applicants.services import READ_ROLES
from assist.core.masking import mask_id
from assist.extensions import db
from assist.search.registry import LIMIT, Hit, Provider, register_provider


def _search(user, q: str) -> list[Hit]:
    stmt = queries.filtered(user, queries.FileQuery(q=q)).options(joinedload(Applicant.centre))
    files = db.session.scalars(stmt.order_by(Applicant.id.desc()).limit(LIMIT)).all()
    return [
        Hit(
            kind=_("Hardship file"),
            record=a.file_no,
            title=a.name,
            url=url_for("applicants.detail", applicant_id=a.id),
            note=" · ".join(
                (str(STATUS_LABELS.get(a.status, a.status)), a.centre.name, mask_id(a.id_number))
            ),
        )
        for a in files
    ]


register_provider(Provider("files", READ_ROLES, _search, order=10))
