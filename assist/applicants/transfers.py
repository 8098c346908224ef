"""Transfers of a file between centres: requested with a reason, decided by the receiver."""

from flask_babel import gettext as _
from sqlalchemy import select

from assist.applicants.models import (
    Applicant,
    FileStatus,
    Transfer,
    TransferReason,
    TransferStatus,
)
from assist.applicants.rules import (
    add_event,
    clean_text,
    require_reason,
    require_role,
)
from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.centres.scoping import centre_in_scope
from assist.core.errors import DomainError, NotFound, refuse_fields
from assist.core.timeutil import utcnow
from assist.extensions import db


def pending_transfer(applicant: Applicant) -> Transfer | None:
    return db.session.scalars(
        select(Transfer).where(
            Transfer.applicant_id == applicant.id, Transfer.status == TransferStatus.PENDING
        )
    ).first()


def request_transfer(
    applicant: Applicant, *, acting_user, to_centre: Centre | None, reason: str, note: str = ""
) -> Transfer:
    """Ask another centre to take over a file (job change, employer closed, moved home)."""
    require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    errors = {}
    if applicant.status in (FileStatus.REJECTED, FileStatus.CANCELLED):
        raise DomainError(_("A rejected or cancelled file is not transferred."))
    if pending_transfer(applicant) is not None:
        raise DomainError(_("A transfer of this file is already waiting for acceptance."))
    if to_centre is None or not to_centre.is_active:
        errors["to_centre"] = _("Choose an active receiving centre.")
    elif to_centre.id == applicant.centre_id:
        errors["to_centre"] = _("The file is already at this centre.")
    if reason not in TransferReason.__members__.values():
        errors["reason"] = _("Choose the reason for the transfer.")
    note = clean_text(note, 500)
    if reason == TransferReason.OTHER and not note:
        errors["note"] = _("Explain the reason.")
    refuse_fields(errors, summary=True)
    transfer = Transfer(
        applicant_id=applicant.id,
        from_centre_id=applicant.centre_id,
        to_centre_id=to_centre.id,
        reason=reason,
        note=note,
        status=TransferStatus.PENDING,
        requested_by_id=acting_user.id,
        requested_at=utcnow(),
    )
    db.session.add(transfer)
    add_event(
        applicant, "transfer_requested", acting_user, reason=f"→ {to_centre.name}: {note}".strip()
    )
    db.session.flush()
    _record_at_both_ends(transfer, "transfer_requested", acting_user, note, reason=reason)
    return transfer


def _record_at_both_ends(transfer: Transfer, action: str, acting_user, note: str, **after):
    """One audit row at the sending and one at the receiving centre: both read the log."""
    for centre in (transfer.from_centre, transfer.to_centre):
        record(
            f"applicant.{action}",
            acting_user=acting_user,
            obj=transfer,
            centre=centre,
            after={
                "file_no": transfer.applicant.file_no,
                "from": transfer.from_centre.code,
                "to": transfer.to_centre.code,
                **after,
            },
            comment=note,
        )


def _decide(transfer: Transfer, *, acting_user, status: str, note: str, action: str) -> None:
    applicant = transfer.applicant
    transfer.status = status
    transfer.decided_by_id = acting_user.id
    transfer.decided_at = utcnow()
    transfer.decision_note = note
    add_event(applicant, action, acting_user, reason=note)
    _record_at_both_ends(transfer, action, acting_user, note, status=status)
    db.session.flush()


def _check_decider(transfer: Transfer, acting_user, *roles, side: Centre) -> None:
    """A pending transfer, decided by a role allowed at its `side` (receiving or sending)."""
    require_role(acting_user, *roles)
    if transfer.status != TransferStatus.PENDING:
        raise DomainError(_("This transfer has already been decided."))
    if not centre_in_scope(acting_user, side):
        raise NotFound(_("There is no such page or record."))


def accept_transfer(transfer: Transfer, *, acting_user) -> None:
    """The receiving centre takes the file over; its history travels with it."""
    _check_decider(transfer, acting_user, Role.SUPERVISOR, side=transfer.to_centre)
    transfer.applicant.centre_id = transfer.to_centre_id
    transfer.applicant.centre = transfer.to_centre
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.ACCEPTED,
        note="",
        action="transfer_accepted",
    )


def decline_transfer(transfer: Transfer, *, acting_user, reason: str) -> None:
    _check_decider(transfer, acting_user, Role.SUPERVISOR, side=transfer.to_centre)
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.DECLINED,
        note=require_reason(reason),
        action="transfer_declined",
    )


def withdraw_transfer(transfer: Transfer, *, acting_user) -> None:
    _check_decider(
        transfer, acting_user, Role.CASEWORKER, Role.SUPERVISOR, side=transfer.from_centre
    )
    _decide(
        transfer,
        acting_user=acting_user,
        status=TransferStatus.WITHDRAWN,
        note="",
        action="transfer_withdrawn",
    )
