"""The demo aid cases go to the demo households the files seeder put on file."""

import random

from sqlalchemy import func, select

from assist.applicants.demo import seed_files
from assist.applicants.models import Applicant, FileStatus
from assist.attachments.models import Attachment
from assist.cases.demo import PLANS, seed_cases
from assist.cases.models import AidCase, AidKind
from assist.extensions import db


def test_demo_cases_use_the_demo_households_at_every_station(network):
    rng = random.Random(2026)
    seed_files(rng)
    files_before = db.session.scalar(select(func.count(Applicant.id)))
    summary = seed_cases(rng)
    db.session.commit()
    # No files of its own: every case belongs to an active demo household.
    assert db.session.scalar(select(func.count(Applicant.id))) == files_before
    cases = db.session.scalars(select(AidCase)).all()
    stations = {code for code in network if code.count("-") == 2}
    assert {c.centre.code for c in cases} == stations
    assert len(cases) == len(PLANS) * len(stations)
    assert all(c.applicant.status == FileStatus.ACTIVE for c in cases)
    assert f"Aid cases: {len(cases)} at {len(stations)} stations" in summary
    states = {"draft", "submitted", "returned", "in_notice", "rejected", "ready_to_pay"}
    assert states <= {c.status for c in cases}
    medical = [c.id for c in cases if c.kind == AidKind.MEDICAL]
    diagnoses = db.session.scalars(
        select(Attachment.owner_id).where(Attachment.owner_type == "case")
    ).all()
    assert sorted(diagnoses) == sorted(medical)
