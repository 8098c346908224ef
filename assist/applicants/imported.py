"""Files brought in from an existing ledger (台账) that the centre already keeps as active (在档).

Registration itself goes through `register_household` like any other file; this only records
that a household already on the centre's books enters the system as an active file, with the
yearly review counted from today.
"""

from datetime import date, timedelta

from flask_babel import gettext as _

from assist.applicants.models import Applicant, FileEvent, FileStatus
from assist.applicants.services import REVIEW_INTERVAL_DAYS
from assist.audit.services import record
from assist.auth.models import Role
from assist.core.errors import DomainError, PermissionDenied
from assist.core.timeutil import local_today


def activate_imported(
    applicant: Applicant, *, acting_user, source: str, today: date | None = None
) -> None:
    """Mark a file just registered from a ledger as active (在档); audited with its source."""
    today = today or local_today()
    if not acting_user.has_role(Role.CASEWORKER):
        raise PermissionDenied(_("Your role does not allow this."))
    if applicant.status != FileStatus.APPLIED or applicant.created_by_id != acting_user.id:
        raise DomainError(_("Only a file just registered from a ledger can be entered as active."))
    applicant.status = FileStatus.ACTIVE
    applicant.activated_on = today
    applicant.last_reviewed_on = today
    applicant.review_due_on = today + timedelta(days=REVIEW_INTERVAL_DAYS)
    applicant.events.append(
        FileEvent(
            action="imported",
            from_status=FileStatus.APPLIED,
            to_status=FileStatus.ACTIVE,
            reason=source[:500],
            centre_id=applicant.centre_id,
            user_id=acting_user.id,
        )
    )
    record(
        "applicant.imported_active",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        after={"status": FileStatus.ACTIVE, "source": source[:200]},
    )
