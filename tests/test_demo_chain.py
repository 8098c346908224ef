"""seed-demo tells one story: the paid cases went through submission and approval."""

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.auth.models import User
from assist.campaigns.models import ListEntry
from assist.cases.models import AidCase, AidKind, CaseEvent, CaseStatus
from assist.extensions import db
from assist.funds.models import Payment, PaymentMethod, PaymentStatus


def test_seed_demo_pays_real_cases_that_went_through_approval(runner, seeded_demo):
    seeded = seeded_demo  # flask seed-demo, run once for the whole suite
    assert seeded.exit_code == 0, seeded.output

    # Mutual-aid claims skip the public notice and have no file: tests/mutual_aid/test_demo.py.
    paid = db.session.scalars(
        select(AidCase).where(
            AidCase.status.in_([CaseStatus.PAID, CaseStatus.PARTLY_PAID]),
            AidCase.kind != AidKind.MUTUAL_AID,
        )
    ).all()
    assert len(paid) >= 5
    for case in paid:
        actions = [event.action for event in case.events]
        assert {"create", "submit", "approve", "start_notice", "end_notice", "pay"} <= set(
            actions
        ), (case.case_no, actions)
        assert actions.index("submit") < actions.index("approve") < actions.index("pay")
        # The demo households' own files, not files made up for the payments.
        assert case.applicant.file_no.startswith(case.centre.code)
        assert "-P0" not in case.applicant.file_no

    # A case escalated from a station to its district, and one on to the city, are paid or
    # ready to pay, each decided by the supervisors of the tier that took the step.
    # Send-warmth cases are decided as a list, not one by one: tests/campaigns/test_demo.py.
    listed = select(ListEntry.case_id).where(ListEntry.case_id.is_not(None))
    escalated = db.session.scalars(
        select(AidCase).where(
            AidCase.status.in_([CaseStatus.READY_TO_PAY, CaseStatus.PARTLY_PAID, CaseStatus.PAID]),
            AidCase.kind != AidKind.MUTUAL_AID,
            AidCase.id.not_in(listed),
        )
    ).all()
    approvers = {db.session.get(User, c.approved_by_id).centre.tier for c in escalated}
    assert approvers == {1, 2, 3}
    for case in escalated:
        recommends = [e for e in case.events if e.action == "recommend"]
        approver = db.session.get(User, case.approved_by_id)
        assert len(recommends) == 3 - approver.centre.tier

    # Separation of duties: approver, payer and reverser are three different people.
    payments = db.session.scalars(select(Payment)).all()
    assert {p.method for p in payments} == set(PaymentMethod)
    for payment in payments:
        assert payment.paid_by_id != payment.case.approved_by_id
    reversed_ = [p for p in payments if p.status == PaymentStatus.REVERSED]
    assert len(reversed_) == 1
    assert reversed_[0].reversed_by_id not in (
        reversed_[0].paid_by_id,
        reversed_[0].case.approved_by_id,
    )
    assert (
        db.session.scalar(
            select(func.count(CaseEvent.id)).where(CaseEvent.action == "reverse_payment")
        )
        == 1
    )
    assert db.session.scalar(select(func.count(Applicant.id))) == 320  # the files seeder's

    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "clean" in verified.output
