"""Quotas under concurrency, the notice and objections on a list, sample checks, screenings,
pairing cadence and escalation, and scoping."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assist.applicants.models import FileStatus
from assist.campaigns import screening, services
from assist.campaigns.models import Campaign, ListEntry, Quota, SampleItem, Visit
from assist.cases.models import CaseStatus
from assist.cases.services import close_expired_notices
from assist.core.errors import DomainError
from assist.extensions import db
from assist.pairings import services as pairing_services
from assist.pairings.models import Pair
from tests.campaigns.helpers import (
    as_user,
    create_campaign,
    give_quota,
    households,
    listed,
    open_list,
    published_list,
    setup_money,
    today,
    visit_all,
)
from tests.conftest import PG_URL, post_form
from tests.factories import make_applicant, next_resident_id, user


def _race(app, jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(n, job):
        with app.test_request_context():
            barrier.wait()
            try:
                job()
                db.session.commit()
                outcomes[n] = "ok"
            except DomainError as err:
                db.session.rollback()
                outcomes[n] = err.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL (TEST_DATABASE_URL)")
def test_two_stations_given_quota_at_the_same_moment_never_exceed_the_district(
    app, client, network
):
    fund = setup_money(network)
    campaign = create_campaign(client, fund, households=20, amount="60000")
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 5, "15000")
    parent_id = db.session.scalars(
        select(Quota.id).where(Quota.centre_id == network["SZ-GS"].id)
    ).one()
    pj, cl = network["SZ-GS-PJ"].id, network["SZ-GS-CL"].id
    db.session.commit()

    def give(centre_id):
        def job():
            from assist.centres.models import Centre

            parent = db.session.get(Quota, parent_id)
            services.set_quota(
                parent,
                db.session.get(Centre, centre_id),
                acting_user=user("sz-gs.supervisor"),
                households=3,
                amount_fen=900_000,
            )

        return job

    outcomes = _race(app, [give(pj), give(cl)])
    assert sorted(outcomes) == ["conflict", "ok"]
    total = db.session.scalar(
        select(func.sum(Quota.households)).where(Quota.parent_id == parent_id)
    )
    assert total == 3


@pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL (TEST_DATABASE_URL)")
def test_two_caseworkers_taking_the_last_place_at_once(app, client, network):
    fund = setup_money(network)
    homes = households(network["SZ-GS-PJ"], 2)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000")
    give_quota(client, campaign, "sz-gs.supervisor", network["SZ-GS-PJ"], 1, "3000")
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    list_id, ids = clist.id, [h.id for h in homes]
    db.session.commit()

    def add(applicant_id):
        def job():
            from assist.applicants.models import Applicant
            from assist.campaigns.models import CampaignList

            services.add_entry(
                db.session.get(CampaignList, list_id),
                db.session.get(Applicant, applicant_id),
                acting_user=user("sz-gs-pj.caseworker"),
            )

        return job

    outcomes = _race(app, [add(ids[0]), add(ids[1])])
    assert sorted(outcomes) == ["conflict", "ok"]
    assert (
        db.session.scalar(select(func.count(ListEntry.id)).where(ListEntry.status == "listed")) == 1
    )


@pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL (TEST_DATABASE_URL)")
def test_visits_recorded_at_the_same_moment_all_count_their_goods(app, client, network):
    """The goods per item are re-read under the list row's lock: no visit's goods are lost."""
    from assist.campaigns.models import CampaignList

    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund, n=4, notice_days=0)
    list_id, entry_ids = clist.id, [e.id for e in listed(clist)]
    db.session.commit()

    def visit(entry_id):
        def job():
            services.record_visit(
                db.session.get(ListEntry, entry_id),
                acting_user=user("sz-gs-pj.caseworker"),
                data=services.VisitInput(
                    visited_on=today(),
                    visitors=[{"name": "张主席"}],
                    cash_fen=100_000,
                    goods=[
                        {"name": "大米", "quantity": 2, "unit_value_fen": 10_000},
                        {"name": f"棉被{entry_id % 2}", "quantity": 1, "unit_value_fen": 30_000},
                    ],
                    is_signed=True,
                ),
            )

        return job

    outcomes = _race(app, [visit(i) for i in entry_ids])
    assert outcomes == ["ok"] * 4
    db.session.expire_all()
    stored = db.session.get(CampaignList, list_id)
    assert stored.goods_items == {"大米": 8, "棉被0": 2, "棉被1": 2}
    assert stored.visited_count == 4


def test_posted_list_goes_through_notice_and_objection(client, network):
    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund)
    assert clist.status == "published"
    entries = listed(clist)
    assert {e.case.status for e in entries} == {CaseStatus.IN_NOTICE}
    notice = as_user(client, "sz-gs-pj.caseworker").get("/cases/notices?centre=SZ-GS-PJ")
    text = notice.get_data(as_text=True)
    assert entries[0].snapshot["name"] not in text  # masked name only
    assert entries[0].snapshot["name"][0] + "*" in text
    # the visit waits for the notice
    page = as_user(client, "sz-gs-pj.caseworker").get(f"/campaigns/entries/{entries[0].id}/visit")
    assert 'data-testid="visit-form"' not in page.get_data(as_text=True)
    worker = as_user(client, "sz-gs-pj.caseworker")
    post_form(
        worker,
        f"/cases/{entries[0].case.id}/objections",
        {"raised_by": "邻居", "content": "家有两套房"},
    )
    db.session.refresh(entries[0].case)
    assert entries[0].case.status == CaseStatus.ON_HOLD
    from assist.core.timeutil import utcnow

    close_expired_notices(now=utcnow() + timedelta(days=6))
    db.session.commit()
    statuses = sorted(e.case.status for e in listed(clist))
    assert statuses.count(CaseStatus.READY_TO_PAY) == 2 and CaseStatus.ON_HOLD in statuses


def test_sample_is_reproducible_and_counts_per_centre(client, network):
    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund, n=6, notice_days=0)
    visit_all(client, clist)
    visit_ids = sorted(db.session.scalars(select(Visit.id)))
    assert len(visit_ids) == 6
    a = services.draw_sample(visit_ids, 3, 42)
    assert a == services.draw_sample(list(reversed(visit_ids)), 3, 42)
    boss = as_user(client, "sz-gs.supervisor")
    post_form(boss, f"/campaigns/{campaign.id}/samples", {"size": "3", "seed": "42"})
    items = db.session.scalars(select(SampleItem).order_by(SampleItem.visit_id)).all()
    assert [i.visit_id for i in items] == a
    post_form(
        boss, f"/campaigns/sample-items/{items[0].id}", {"result": "problems", "note": "米少了一袋"}
    )
    post_form(boss, f"/campaigns/sample-items/{items[1].id}", {"result": "received"})
    db.session.refresh(items[0])
    assert items[0].followup_open
    page = boss.get(f"/campaigns/samples/{items[0].check_id}").get_data(as_text=True)
    assert "平江街道职工服务站" in page
    counts = services.sample_counts(items[0].check)
    assert counts[0]["problems"] == 1 and counts[0]["received"] == 1 and counts[0]["pending"] == 1


def test_screening_repeat_rule_at_its_boundary_and_age(client, network):
    fund = setup_money(network)
    campaign = create_campaign(
        client, fund, kind="screening", occasion="health", households=5, amount="0"
    )
    assert campaign.is_screening
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 5, "0")
    worker = user("sz-gs.caseworker")
    woman = next_resident_id(birth=date(1980, 5, 1), female=True)
    first = date(2023, 3, 1)
    screening.record_screening(
        campaign,
        acting_user=worker,
        name="陈芳",
        id_number=woman,
        employer="纺织厂",
        screened_on=first,
        place="市妇幼保健院",
        has_referral=True,
    )
    with pytest.raises(DomainError):
        screening.record_screening(
            campaign,
            acting_user=worker,
            name="陈芳",
            id_number=woman,
            employer="",
            screened_on=date(2026, 2, 28),
            place="市妇幼保健院",
            has_referral=False,
        )
    screening.record_screening(
        campaign,
        acting_user=worker,
        name="陈芳",
        id_number=woman,
        employer="",
        screened_on=date(2026, 3, 1),
        place="市妇幼保健院",
        has_referral=False,
    )
    too_young = next_resident_id(birth=date(1992, 1, 1), female=True)
    with pytest.raises(DomainError):
        screening.record_screening(
            campaign,
            acting_user=worker,
            name="周敏",
            id_number=too_young,
            employer="",
            screened_on=date(2026, 3, 1),
            place="x",
            has_referral=False,
        )
    db.session.commit()
    # the referral (health) is not on the campaign page's list, only on the record for workers
    page = (
        as_user(client, "sz-gs.caseworker").get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    )
    assert "陈*" in page and 'data-testid="referral"' not in page
    sid = db.session.execute(db.text("select min(id) from campaign_screenings")).scalar()
    assert as_user(client, "sz-gs.finance").get(f"/campaigns/screenings/{sid}").status_code == 403


def test_pairing_overdue_escalation_and_exit(client, network, app):
    home = make_applicant(network["SZ-GS-PJ"], name="孙大强", is_migrant_worker=True)
    make_applicant(network["SZ-GS-PJ"], name="吴小红")
    db.session.commit()
    worker = as_user(client, "sz-gs-pj.caseworker")
    started = today() - timedelta(days=200)
    response = post_form(
        worker,
        f"/pairings/new/{home.id}",
        {
            "helper_kind": "enterprise",
            "helper_name": "苏州精工有限公司",
            "started_on": started.isoformat(),
            "plan_cause": "因病",
            "plan_need": "医疗费用",
            "plan_measures": "每月走访，协助申请医疗救助",
            "plan_goal": "年内脱困",
        },
    )
    assert response.status_code == 302
    pair = db.session.scalars(select(Pair)).one()
    assert pair.next_due_on == started + timedelta(days=30)
    page = worker.get("/pairings/?view=overdue").get_data(as_text=True)
    assert "孙大强" in page
    assert "吴小红" in worker.get("/pairings/?view=unpaired").get_data(as_text=True)
    post_form(
        worker,
        f"/pairings/{pair.id}/contact",
        {"contacted_on": today().isoformat(), "mode": "call", "done": "电话了解病情"},
    )
    db.session.refresh(pair)
    assert pair.next_due_on == today() + timedelta(days=30)
    assert "孙大强" not in worker.get("/pairings/?view=overdue").get_data(as_text=True)
    # after the set period without leaving hardship, the district sees it
    assert pairing_services.escalate_due_pairs() == 1
    db.session.commit()
    district = as_user(client, "sz-gs.caseworker")
    assert "孙大强" in district.get("/pairings/?view=escalated").get_data(as_text=True)
    # the household exits hardship: the pair ends with the result
    home = db.session.get(type(home), home.id)
    home.status = FileStatus.EXITED
    home.status_reason = "再就业，收入稳定"
    db.session.commit()
    db.session.refresh(pair)
    assert pair.ended_on == today() and "再就业" in pair.end_result


def test_scoping_lists_and_campaigns(client, network):
    fund = setup_money(network)
    campaign, clist = published_list(client, network, fund, n=1, notice_days=0)
    entry = listed(clist)[0]
    outsider = as_user(client, "sz-wz.caseworker")
    assert outsider.get(f"/campaigns/lists/{clist.id}").status_code == 404
    assert outsider.get(f"/campaigns/entries/{entry.id}/visit").status_code == 404
    sibling = as_user(client, "sz-gs-cl.caseworker")
    assert sibling.get(f"/campaigns/lists/{clist.id}").status_code == 404
    assert sibling.get(f"/campaigns/{campaign.id}").status_code == 404
    assert sibling.get(f"/campaigns/{campaign.id}/progress").status_code == 404
    station = as_user(client, "sz-gs-pj.caseworker")
    assert station.get(f"/campaigns/{campaign.id}").status_code == 200
    assert station.get(f"/campaigns/{campaign.id}/progress").status_code == 200
    assert as_user(client, "sz.auditor").get(f"/campaigns/lists/{clist.id}").status_code == 200
    # a district campaign is invisible to the other district
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
