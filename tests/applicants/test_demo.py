"""The demo seeder: a few hundred valid, fictitious households in every state."""

import random

from sqlalchemy import func, select

from assist.applicants.demo import HOUSEHOLDS, seed_files
from assist.applicants.models import Applicant, FileStatus
from assist.attachments.models import Attachment
from assist.core.resident_id import parse_resident_id
from assist.extensions import db


def test_seed_files_covers_every_state_with_valid_ids(network):
    summary = seed_files(random.Random(7))
    db.session.commit()
    assert "1060" in summary and "demonstration" in summary
    states = dict(
        db.session.execute(select(Applicant.status, func.count()).group_by(Applicant.status)).all()
    )
    assert set(states) == set(FileStatus)
    assert sum(states.values()) == HOUSEHOLDS
    sample = db.session.scalars(select(Applicant).limit(40)).all()
    for applicant in sample:
        number = applicant.id_number
        assert parse_resident_id(number).number == number and 900 <= int(number[14:17]) <= 999
        assert applicant.phone.startswith("1380000")
        if applicant.status != FileStatus.APPLIED:
            assert db.session.scalar(
                select(func.count(Attachment.id)).where(Attachment.owner_id == applicant.id)
            )
    overdue = db.session.scalar(
        select(func.count(Applicant.id)).where(
            Applicant.status == FileStatus.ACTIVE, Applicant.review_due_on < func.current_date()
        )
    )
    assert overdue > 0
