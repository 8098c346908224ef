"""`notices close-expired` also puts on record the files whose public notice has ended."""

from datetime import timedelta

from sqlalchemy import select

from assist.applicants.models import FileEvent, FileStatus
from assist.audit.models import AuditEntry
from assist.core.timeutil import local_today
from assist.extensions import db
from tests.factories import make_applicant


def test_close_expired_activates_ended_file_notices_once(runner, network):
    pj = network["SZ-GS-PJ"]
    ended = make_applicant(
        pj,
        status=FileStatus.PUBLIC_NOTICE,
        notice_started_on=local_today() - timedelta(days=pj.notice_days),
    )
    running = make_applicant(
        pj,
        status=FileStatus.PUBLIC_NOTICE,
        notice_started_on=local_today() - timedelta(days=pj.notice_days - 1),
    )
    db.session.commit()
    result = runner.invoke(args=["notices", "close-expired"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) put on record" in result.output
    db.session.expire_all()
    assert db.session.get(type(ended), ended.id).status == FileStatus.ACTIVE
    assert db.session.get(type(ended), ended.id).review_due_on is not None
    assert db.session.get(type(running), running.id).status == FileStatus.PUBLIC_NOTICE
    event = db.session.scalars(
        select(FileEvent).where(FileEvent.applicant_id == ended.id, FileEvent.action == "activate")
    ).one()
    assert event.user_id is None
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "applicant.activate")
    ).one()
    assert audit.username == "system" and audit.object_id == str(ended.id)
    # Idempotent: a second run changes nothing.
    result = runner.invoke(args=["notices", "close-expired"])
    assert "0 file(s) put on record" in result.output
