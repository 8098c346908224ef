"""Supporting documents on aid cases, through the shared attachments mechanism.

A case owns attachments of type "case": the caseworker adds them while the case is a draft or
returned, the supervisors the case waits for add them while deciding, and whoever may see
the case may download them. The collective-decision minutes are a case attachment too, added
only by recording the decision.
"""

from pathlib import PurePosixPath

from flask_babel import gettext as _
from sqlalchemy import select

from assist.attachments.models import Attachment, AttachmentKind
from assist.attachments.services import (
    Owner,
    attachments_of,
    path_for,
    register_owner,
    remove_attachment,
    storage_root,
    store_attachment,
)
from assist.auth.models import Role, User
from assist.cases.models import AidCase, AidKind, CaseStatus, CollectiveDecision
from assist.centres.scoping import get_scoped_or_404
from assist.core.errors import ValidationError
from assist.extensions import db

OWNER_TYPE = "case"
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)
#: What may be attached to a case by hand; the minutes come only with the decision.
UPLOAD_KINDS = (
    AttachmentKind.DIAGNOSIS,
    AttachmentKind.INVOICE,
    AttachmentKind.SCHOOL_ENROLMENT,
    AttachmentKind.INCOME_PROOF,
    AttachmentKind.OTHER,
)
#: What a mutual-aid claim's case also takes: the documents a plan's checklist names.
CLAIM_KINDS = (
    AttachmentKind.DIAGNOSIS,
    AttachmentKind.INVOICE,
    AttachmentKind.ID_COPY,
    AttachmentKind.MEDICAL_SETTLEMENT,
    AttachmentKind.DEATH_CERTIFICATE,
    AttachmentKind.DISABILITY_APPRAISAL,
    AttachmentKind.OTHER,
)


def upload_kinds(case: AidCase) -> tuple:
    """The kinds of document a case takes by hand: a claim's checklist kinds, or the usual."""
    return CLAIM_KINDS if case.kind == AidKind.MUTUAL_AID else UPLOAD_KINDS


def can_attach(user: User, case: AidCase) -> bool:
    """The caseworker while drafting; the supervisors the case waits for while deciding."""
    if case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED):
        return user.has_role(Role.CASEWORKER)
    return (
        case.status == CaseStatus.SUBMITTED
        and user.has_role(Role.SUPERVISOR)
        and case.approval_centre_id == user.centre_id
    )


def add_case_attachment(case: AidCase, upload, *, acting_user: User, kind: str) -> Attachment:
    """Check and store a supporting document for the case."""
    if kind not in upload_kinds(case):
        message = _("Choose what kind of document this is.")
        raise ValidationError(message, fields={"kind": message})
    return store_attachment(
        upload, acting_user=acting_user, owner_type=OWNER_TYPE, owner=case, kind=kind
    )


def store_minutes(case: AidCase, upload, *, acting_user: User) -> Attachment:
    """Store the scanned collective-decision minutes as the case's attachment."""
    if upload is None or not getattr(upload, "filename", ""):
        message = _("Attach the scanned minutes (PDF, JPEG or PNG).")
        raise ValidationError(message, fields={"attachment": message})
    try:
        return store_attachment(
            upload,
            acting_user=acting_user,
            owner_type=OWNER_TYPE,
            owner=case,
            kind=AttachmentKind.COLLECTIVE_DECISION,
        )
    except ValidationError as err:  # the decision form calls its file field "attachment"
        raise ValidationError(err.message, fields={"attachment": err.message}) from None


def minutes_path(minutes: Attachment) -> str:
    """The minutes' path under STORAGE_DIR, as the CollectiveDecision row records it."""
    return path_for(minutes).relative_to(storage_root()).as_posix()


def minutes_of(decision: CollectiveDecision) -> Attachment | None:
    """The attachment holding a decision's minutes, found by the storage key its path ends in."""
    key = PurePosixPath(decision.attachment_path).name
    return db.session.scalars(
        select(Attachment).where(
            Attachment.storage_key == key,
            Attachment.owner_type == OWNER_TYPE,
            Attachment.owner_id == decision.case_id,
        )
    ).first()


def remove_case_attachment(
    attachment: Attachment, case: AidCase, *, acting_user: User, reason: str
) -> None:
    """Withdraw a supporting document added by mistake; the minutes stay with their decision."""
    if attachment.kind == AttachmentKind.COLLECTIVE_DECISION:
        message = _("The minutes belong to the recorded decision; record the decision again.")
        raise ValidationError(message, fields={"reason": message})
    remove_attachment(attachment, case, acting_user=acting_user, reason=reason)


def case_attachments(case: AidCase) -> list[Attachment]:
    return attachments_of(OWNER_TYPE, case.id)


register_owner(
    OWNER_TYPE,
    Owner(
        load=lambda owner_id, user: get_scoped_or_404(AidCase, owner_id, user),
        centre=lambda case: case.centre,
        can_read=lambda user, case: user.has_role(*READ_ROLES),
        can_change=can_attach,
        kinds=frozenset({*UPLOAD_KINDS, *CLAIM_KINDS, AttachmentKind.COLLECTIVE_DECISION}),
    ),
)
