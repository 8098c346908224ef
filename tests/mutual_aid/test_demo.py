"""seed-demo's mutual aid: plans, eight units, a few hundred members, claims in every state."""

from sqlalchemy import func, select

from assist.cases.models import AidCase, CaseStatus
from assist.extensions import db
from assist.funds.models import Fund, FundSource, LedgerEntry, Payment
from assist.mutual_aid.models import Claim, Enrolment, Plan, Unit


def test_seed_demo_enrols_units_and_takes_claims_through_every_state(runner, seeded_demo):
    seeded = seeded_demo  # flask seed-demo, run once for the whole suite
    assert seeded.exit_code == 0, seeded.output
    assert {p.kind for p in db.session.scalars(select(Plan))} == {
        "hospital",
        "critical_illness",
        "women",
    }
    assert db.session.scalar(select(func.count(Unit.id))) == 8
    people = db.session.scalar(select(func.count(func.distinct(Enrolment.id_hash))))
    assert 250 <= people <= 450
    assert db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.applicant_id.is_not(None))
    )
    statuses = {c.status for c in db.session.scalars(select(Claim))}
    assert {
        "refused",
        "draft",
        "submitted",
        "returned",
        "rejected",
        "ready_to_pay",
        "paid",
    } <= statuses
    waiting_at_district = db.session.scalars(
        select(AidCase)
        .join(Claim, Claim.case_id == AidCase.id)
        .where(AidCase.status == CaseStatus.SUBMITTED)
    ).all()
    assert any(c.approval_centre.tier == 2 for c in waiting_at_district)
    mutual = db.session.scalars(select(Fund).where(Fund.source == FundSource.MUTUAL_AID)).one()
    payments = db.session.scalars(select(Payment).where(Payment.fund_id == mutual.id)).all()
    assert payments and {p.method for p in payments} == {"bank_transfer"}
    kinds = set(
        db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.fund_id == mutual.id))
    )
    assert {"receipt", "transfer_in", "payment"} <= kinds
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0 and "clean" in verified.output
