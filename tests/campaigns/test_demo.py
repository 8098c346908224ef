"""seed-demo's campaign: every list state, paid visits with photos, a sample, pairs overdue."""

from sqlalchemy import func, select

from assist.attachments.models import Attachment
from assist.campaigns.models import Campaign, CampaignList, Quota, SampleItem, Screening, Visit
from assist.centres.models import Centre
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds.reconcile import verify_ledger
from assist.pairings.models import Pair


def test_seed_demo_runs_a_spring_festival_campaign_and_pairs(seeded_demo):
    seeded = seeded_demo  # flask seed-demo, run once for the whole suite
    assert seeded.exit_code == 0, seeded.output
    assert "Campaigns:" in seeded.output
    db.session.rollback()  # a fresh transaction sees what the command committed

    quota_centres = set(
        db.session.scalars(select(Centre.code).join(Quota, Quota.centre_id == Centre.id))
    )
    assert quota_centres == set(
        db.session.scalars(select(Centre.code))
    )  # city, districts, stations
    states = set(db.session.scalars(select(CampaignList.status)))
    assert states == {"draft", "submitted", "returned", "approved", "published"}

    visits = db.session.scalars(select(Visit)).all()
    assert visits and all(v.cash_batch_id and v.goods_batch_id for v in visits)
    assert any(v.has_leader for v in visits) and any(not v.is_signed for v in visits)
    photos = db.session.scalars(
        select(Attachment).where(Attachment.owner_type == "campaign_visit")
    ).all()
    assert {p.owner_id for p in photos} == {v.id for v in visits}
    assert {p.content_type for p in photos} == {"image/jpeg"}
    results = set(db.session.scalars(select(SampleItem.result)))
    assert {"received", "problems"} <= results
    assert not verify_ledger()

    pairs = db.session.scalars(select(Pair)).all()
    assert len(pairs) >= 10 and all(p.contacts for p in pairs)
    today = local_today()
    assert max(c.contacted_on for p in pairs for c in p.contacts) <= today
    assert db.session.scalar(select(func.count(Pair.id)).where(Pair.escalated_on.is_not(None)))
    overdue = [p for p in pairs if p.next_due_on < today]
    assert overdue and len(overdue) < len(pairs)

    # this year's women workers' health screening, with quotas and screenings in them
    screening = db.session.scalars(select(Campaign).where(Campaign.kind == "screening")).one()
    screened = db.session.scalars(select(Screening)).all()
    assert screened and {s.campaign_id for s in screened} == {screening.id}
    assert all(35 <= s.screened_on.year - s.birth_date.year <= 65 for s in screened)
    assert len(screened) <= db.session.scalar(
        select(Quota.households).where(
            Quota.campaign_id == screening.id, Quota.centre_id == screened[0].centre_id
        )
    )
