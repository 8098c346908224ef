"""The hardship files' contribution to 我的待办: files and transfers waiting for this user."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, func, null, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import cast

from assist.applicants.labels import STATUS_LABELS
from assist.applicants.models import Applicant, FileEvent, FileStatus, Transfer, TransferStatus
from assist.applicants.services import not_submitted_by, notice_ended
from assist.auth.models import Role
from assist.centres.scoping import in_scope, scoped
from assist.core.masking import mask_name
from assist.core.timeutil import local_today
from assist.inbox.registry import InboxRow, InboxSource, register_source

GROUP = _l("Hardship files")
NO_AMOUNT = cast(null(), Integer)

#: When the file last moved (its latest timeline row), or when it was registered.
last_moved = (
    select(func.max(FileEvent.at))
    .where(FileEvent.applicant_id == Applicant.id)
    .correlate(Applicant)
    .scalar_subquery()
)
since = func.coalesce(last_moved, Applicant.created_at)


def _files(user, *conditions, separate: bool = False):
    stmt = scoped(
        select(Applicant, since.label("since"), NO_AMOUNT.label("amount_fen")),
        user,
        Applicant.centre_id,
    ).where(*conditions)
    if separate:
        stmt = stmt.where(not_submitted_by(user))
    return stmt.options(joinedload(Applicant.centre)).order_by(since.asc(), Applicant.id)


def _file_row(applicant: Applicant, at, _amount) -> InboxRow:
    return InboxRow(
        record=applicant.file_no,
        url=url_for("applicants.detail", applicant_id=applicant.id),
        household=applicant.name,
        what=str(STATUS_LABELS.get(applicant.status, applicant.status)),
        centre=applicant.centre.name,
        since=at,
        note=applicant.status_reason if applicant.status == FileStatus.RETURNED else "",
    )


def _transfers(user):
    return (
        select(Transfer, Transfer.requested_at.label("since"), NO_AMOUNT.label("amount_fen"))
        .where(in_scope(user, Transfer.to_centre_id), Transfer.status == TransferStatus.PENDING)
        .options(
            joinedload(Transfer.applicant),
            joinedload(Transfer.from_centre),
            joinedload(Transfer.to_centre),
        )
        .order_by(Transfer.requested_at, Transfer.id)
    )


def _transfer_row(transfer: Transfer, at, _amount) -> InboxRow:
    return InboxRow(
        record=transfer.applicant.file_no,
        url=url_for("applicants.transfers") + f"#transfer-{transfer.id}",
        household=mask_name(transfer.applicant.name),
        what=str(_l("from %(centre)s", centre=transfer.from_centre.name)),
        centre=transfer.to_centre.name,
        since=at,
    )


for source in (
    InboxSource(
        "files_to_submit",
        _l("Files to submit or correct"),
        GROUP,
        (Role.CASEWORKER,),
        lambda user: _files(user, Applicant.status.in_((FileStatus.APPLIED, FileStatus.RETURNED))),
        _file_row,
        order=10,
    ),
    InboxSource(
        "files_home_visit",
        _l("Home visits due"),
        GROUP,
        (Role.CASEWORKER,),
        lambda user: _files(user, Applicant.status == FileStatus.HOME_VISIT),
        _file_row,
        order=11,
    ),
    InboxSource(
        "files_initial_review",
        _l("Files for initial review"),
        GROUP,
        (Role.SUPERVISOR,),
        lambda user: _files(user, Applicant.status == FileStatus.INITIAL_REVIEW, separate=True),
        _file_row,
        order=12,
    ),
    InboxSource(
        "files_final_review",
        _l("Files for final review"),
        GROUP,
        (Role.SUPERVISOR,),
        lambda user: _files(user, Applicant.status == FileStatus.FINAL_REVIEW, separate=True),
        _file_row,
        order=13,
    ),
    InboxSource(
        "files_to_activate",
        _l("Notice ended: files to put on record"),
        GROUP,
        (Role.SUPERVISOR,),
        lambda user: _files(
            user,
            Applicant.status == FileStatus.PUBLIC_NOTICE,
            notice_ended(local_today()),
            separate=True,
        ),
        _file_row,
        order=14,
    ),
    InboxSource(
        "transfers_incoming",
        _l("Transfers to accept"),
        GROUP,
        (Role.SUPERVISOR,),
        _transfers,
        _transfer_row,
        order=15,
    ),
):
    register_source(source)
