"""A campaign from the city's quota to a paid visit, through the pages, with the rules on the way."""

from sqlalchemy import select

from assist.campaigns.models import ListEntry, Quota, Visit
from assist.cases.models import CaseStatus
from assist.extensions import db
from assist.funds.models import Payment
from assist.funds.reconcile import verify_ledger
from tests.campaigns.helpers import (
    as_user,
    create_campaign,
    give_quota,
    households,
    listed,
    open_list,
    setup_money,
    today,
)
from tests.conftest import post_form
from tests.factories import make_applicant, png_bytes


def _to_station(client, network, fund, *, station_households=3):
    campaign = create_campaign(client, fund)
    assert (
        give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 10, "30000").status_code
        == 302
    )
    give_quota(
        client, campaign, "sz-gs.supervisor", network["SZ-GS-PJ"], station_households, "9000"
    )
    return campaign


def test_quota_splits_never_exceed_the_parent(client, network):
    fund = setup_money(network)
    campaign = create_campaign(client, fund, households=10, amount="30000")
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 6, "18000")
    give_quota(client, campaign, "sz.supervisor", network["SZ-WZ"], 5, "15000")
    quotas = {q.centre.code: q.households for q in db.session.scalars(select(Quota))}
    assert quotas == {"SZ": 10, "SZ-GS": 6}
    # a district cannot give its stations more than it holds either
    give_quota(client, campaign, "sz-gs.supervisor", network["SZ-GS-PJ"], 7, "3000")
    assert "SZ-GS-PJ" not in {q.centre.code for q in db.session.scalars(select(Quota))}
    # a station asks for more with a reason; the district approves out of its own quota
    give_quota(client, campaign, "sz-gs.supervisor", network["SZ-GS-PJ"], 6, "18000")
    client = as_user(client, "sz-gs-pj.supervisor")
    post_form(
        client,
        f"/campaigns/{campaign.id}/quota-requests",
        {"households": "1", "amount": "3000", "reason": "新增因病致困户"},
    )
    client = as_user(client, "sz-gs.supervisor")
    req_id = db.session.execute(db.text("select id from campaign_quota_requests")).scalar()
    post_form(client, f"/campaigns/quota-requests/{req_id}/approve", {"note": "同意"})
    pj = db.session.scalars(select(Quota).where(Quota.centre_id == network["SZ-GS-PJ"].id)).one()
    assert pj.households == 6  # the district had nothing left to give: refused


def test_list_flow_to_paid_visit_with_a_clean_ledger(client, network, app, tmp_path):
    fund = setup_money(network)
    network["SZ-GS-PJ"].notice_days = 0
    households(network["SZ-GS-PJ"], 4)
    campaign = _to_station(client, network, fund)
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    client = as_user(client, "sz-gs-pj.caseworker")
    post_form(client, f"/campaigns/lists/{clist.id}/draw")
    assert db.session.scalar(select(db.func.count(ListEntry.id))) == 4
    post_form(client, f"/campaigns/lists/{clist.id}/fill")
    assert len(listed(clist)) == 3  # the quota holds
    extra = make_applicant(network["SZ-GS-PJ"], name="赵四")
    db.session.commit()
    page = post_form(
        client, f"/campaigns/lists/{clist.id}/add", {"file_no": extra.file_no}, follow=True
    )
    assert "配额" in page.get_data(as_text=True)
    assert len(listed(clist)) == 3
    post_form(client, f"/campaigns/lists/{clist.id}/submit")
    client = as_user(client, "sz-gs.supervisor")
    post_form(client, f"/campaigns/lists/{clist.id}/approve")
    db.session.refresh(clist)
    assert clist.status == "approved"
    entries = listed(clist)
    assert all(e.case.status == CaseStatus.APPROVED for e in entries)
    # frozen: a later change to the file does not change the list
    entries[0].applicant.name = "改名"
    db.session.commit()
    assert entries[0].snapshot["name"] != "改名"
    client = as_user(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/campaigns/lists/{clist.id}/add", {"file_no": extra.file_no})
    assert len(listed(clist)) == 3
    post_form(client, f"/campaigns/lists/{clist.id}/publish")
    entry = entries[1]
    assert entry.case.status == CaseStatus.READY_TO_PAY
    page = client.get(f"/campaigns/entries/{entry.id}/visit")
    assert page.status_code == 200
    response = post_form(
        client,
        f"/campaigns/entries/{entry.id}/visit",
        {
            "visited_on": today().isoformat(),
            "visitor-0-name": "王书记",
            "visitor-0-title": "区总工会主席",
            "visitor-0-leader": "1",
            "cash": "2500",
            "goods-0-name": "大米",
            "goods-0-quantity": "2",
            "goods-0-value": "100",
            "is_signed": "1",
            "remarks": "老伴住院，需要医疗救助",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    visit = db.session.scalars(select(Visit)).one()
    assert visit.goods_fen == 20_000 and visit.has_leader
    response = client.post(
        f"/campaigns/visits/{visit.id}/photos",
        data={
            "csrf_token": _token(client, entry),
            "file": (__import__("io").BytesIO(png_bytes()), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    client = as_user(client, "sz-gs-pj.finance")
    response = post_form(
        client,
        f"/campaigns/lists/{clist.id}/pay",
        {"fund": str(fund.id), "paid_on": today().isoformat()},
    )
    assert response.status_code == 302
    payments = db.session.scalars(select(Payment)).all()
    assert sorted(p.amount_fen for p in payments) == [20_000, 250_000]
    db.session.refresh(visit)
    assert visit.cash_batch_id and visit.goods_batch_id
    assert verify_ledger() == [] or not verify_ledger()


def _token(client, entry):
    from tests.conftest import csrf_token

    return csrf_token(client, f"/campaigns/entries/{entry.id}/visit")
