"""/api/v1/campaigns and /api/v1/pairings: the same rules, scope and masks as the pages."""

import io
from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from assist.campaigns import forms
from assist.core.errors import ValidationError
from assist.funds.reconcile import verify_ledger
from tests.campaigns.helpers import households, setup_money, today
from tests.conftest import api_token
from tests.factories import make_applicant, png_bytes


def _campaign_body(fund, **extra):
    return {
        "name": "2027年春节送温暖",
        "occasion": "spring_festival",
        "starts_on": (today() - timedelta(days=10)).isoformat(),
        "ends_on": (today() + timedelta(days=30)).isoformat(),
        "cash": "2500.00",
        "goods": [{"name": "大米", "quantity": 2, "unit_value": "100.00"}],
        "funds": [fund.id],
        "households": 10,
        "amount": "30000.00",
        **extra,
    }


def test_goods_lines_name_their_real_field_on_the_form_and_the_api():
    with pytest.raises(ValidationError) as err:
        forms.goods_rows(MultiDict({"goods-1-name": "油", "goods-1-quantity": "两桶"}))
    assert list(err.value.fields) == ["goods-1-quantity"]
    with pytest.raises(ValidationError) as err:
        forms.goods_rows(MultiDict({"goods-0-name": "米", "goods-0-value": "abc"}))
    assert list(err.value.fields) == ["goods-0-value"]
    with pytest.raises(ValidationError) as err:
        forms.goods_rows({"goods": [{"name": "米", "quantity": 1, "unit_value": "x"}]})
    assert list(err.value.fields) == ["goods[0].unit_value"]


def test_campaign_from_quota_to_paid_visit_and_sample_through_the_api(client, network):
    fund = setup_money(network)
    network["SZ-GS-PJ"].notice_days = 0
    homes = households(network["SZ-GS-PJ"], 3)
    city = api_token(client, "sz.supervisor")
    district = api_token(client, "sz-gs.supervisor")
    worker = api_token(client, "sz-gs-pj.caseworker")
    finance = api_token(client, "sz-gs-pj.finance")

    bad = client.post(
        "/api/v1/campaigns",
        json=_campaign_body(fund, goods=[{"name": "大米", "quantity": "两袋", "unit_value": "1"}]),
        headers=city,
    )
    assert bad.status_code == 422
    assert list(bad.get_json()["error"]["fields"]) == ["goods[0].quantity"]
    assert (
        client.post("/api/v1/campaigns", json=_campaign_body(fund), headers=worker).status_code
        == 403
    )

    nul = client.post("/api/v1/campaigns", json=_campaign_body(fund, name="春\x00节"), headers=city)
    assert nul.status_code == 422 and list(nul.get_json()["error"]["fields"]) == ["name"]
    wrong = client.post(
        "/api/v1/campaigns", json=_campaign_body(fund, households="十"), headers=city
    )
    assert wrong.status_code == 422 and "households" in wrong.get_json()["error"]["fields"]
    response = client.post("/api/v1/campaigns", json=_campaign_body(fund), headers=city)
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    assert campaign["standard"] == "2700.00" and campaign["centre"] == "SZ"
    cid = campaign["id"]

    quota = {"centre": "SZ-GS", "households": 11, "amount": "30000.00"}
    assert (
        client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=city).status_code == 409
    )
    quota["households"] = 5
    assert (
        client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=city).status_code == 200
    )
    quota = {"centre": "SZ-GS-PJ", "households": 2, "amount": "5400.00"}
    assert (
        client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=district).status_code
        == 200
    )
    # a station outside the district cannot be given a quota by it
    quota["centre"] = "SZ-WZ-MD"
    assert (
        client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=district).status_code
        == 422
    )

    response = client.post(f"/api/v1/campaigns/{cid}/lists", headers=worker)
    assert response.status_code == 201
    lid = response.get_json()["id"]
    act = f"/api/v1/campaigns/lists/{lid}/actions"
    drawn = client.post(f"{act}/draw", headers=worker)
    assert drawn.status_code == 202 and drawn.get_json()["counts"]["candidate"] == 3
    filled = client.post(f"{act}/fill", headers=worker).get_json()
    assert filled["counts"]["listed"] == 2  # the quota holds
    extra = client.post(
        f"/api/v1/campaigns/lists/{lid}/entries", json={"file_no": homes[2].file_no}, headers=worker
    )
    assert extra.status_code == 409
    entries = client.get(f"/api/v1/campaigns/lists/{lid}/entries", headers=worker).get_json()
    assert len(entries["items"]) == 2 and entries["next"] is None and entries["total"] == 2
    body = str(entries)
    assert all(h.id_number not in body for h in homes)
    # the two oldest files were listed (neediest category first, then the oldest file)
    shown = sorted(item["id_number"][-4:] for item in entries["items"])
    assert shown == sorted([homes[0].id_last4, homes[1].id_last4])

    assert client.post(f"{act}/approve", headers=worker).status_code == 403
    assert client.post(f"{act}/submit", headers=worker).status_code == 200
    assert client.post(f"{act}/publish", headers=worker).status_code == 409  # not approved yet
    approved = client.post(f"{act}/approve", headers=district)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert client.post(f"{act}/publish", headers=worker).get_json()["status"] == "published"

    entry_id = entries["items"][0]["id"]
    visit = {
        "visited_on": today().isoformat(),
        "visitors": [{"name": "王书记", "title": "区总工会主席", "is_leader": True}],
        "cash": "2500.00",
        "goods": [{"name": "大米", "quantity": 2, "unit_value": "100.00"}],
        "is_signed": False,
        "remarks": "老伴住院",
    }
    refused = client.post(f"/api/v1/campaigns/entries/{entry_id}/visit", json=visit, headers=worker)
    assert refused.status_code == 422
    assert "no_signature_reason" in refused.get_json()["error"]["fields"]
    visit["no_signature_reason"] = "本人住院，由女儿代收"
    response = client.post(
        f"/api/v1/campaigns/entries/{entry_id}/visit", json=visit, headers=worker
    )
    assert response.status_code == 201, response.get_json()
    recorded = response.get_json()
    assert recorded["goods_value"] == "200.00" and recorded["remarks"] == "老伴住院"
    photo = client.post(
        f"/api/v1/campaigns/visits/{recorded['id']}/photos",
        data={"file": (io.BytesIO(png_bytes()), "a.png")},
        headers=worker,
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201
    text_file = client.post(
        f"/api/v1/campaigns/visits/{recorded['id']}/photos",
        data={"file": (io.BytesIO(b"not an image at all"), "a.png")},
        headers=worker,
        content_type="multipart/form-data",
    )
    assert text_file.status_code == 422
    seen = client.get(f"/api/v1/campaigns/entries/{entry_id}", headers=finance).get_json()
    assert len(seen["visit"]["photos"]) == 1 and "remarks" not in seen["visit"]

    paid = client.post(
        f"{act}/pay", json={"fund": fund.id, "paid_on": today().isoformat()}, headers=finance
    )
    assert paid.status_code == 200, paid.get_json()
    assert len(paid.get_json()["batches"]) == 2
    assert (
        client.post(
            f"{act}/pay", json={"fund": fund.id, "paid_on": today().isoformat()}, headers=finance
        ).status_code
        == 409
    )
    assert not verify_ledger()

    progress = client.get(f"/api/v1/campaigns/{cid}", headers=district).get_json()["progress"]
    station = next(r for r in progress if r["centre"] == "SZ-GS-PJ")
    assert station["visited"] == 1 and station["cash_given"] == "2500.00"

    sample = client.post(
        f"/api/v1/campaigns/{cid}/samples", json={"size": 1, "seed": 7}, headers=district
    )
    assert sample.status_code == 201
    item = sample.get_json()["items"][0]
    result = client.post(
        f"/api/v1/campaigns/sample-items/{item['id']}",
        json={"result": "problems", "note": "米少了一袋"},
        headers=district,
    ).get_json()
    assert result["counts"][0]["problems"] == 1 and result["items"][0]["followup_open"]


def test_campaign_api_scope(client, network):
    fund = setup_money(network)
    city = api_token(client, "sz.supervisor")
    cid = client.post("/api/v1/campaigns", json=_campaign_body(fund), headers=city).get_json()["id"]
    district = api_token(client, "sz-gs.supervisor")
    quota = {"centre": "SZ-GS", "households": 5, "amount": "13500.00"}
    client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=city)
    quota = {"centre": "SZ-GS-PJ", "households": 2, "amount": "5400.00"}
    client.post(f"/api/v1/campaigns/{cid}/quotas", json=quota, headers=district)
    worker = api_token(client, "sz-gs-pj.caseworker")
    lid = client.post(f"/api/v1/campaigns/{cid}/lists", headers=worker).get_json()["id"]
    sibling = api_token(client, "sz-gs-cl.caseworker")
    other = api_token(client, "sz-wz.supervisor")
    for headers in (sibling, other):
        assert client.get(f"/api/v1/campaigns/lists/{lid}", headers=headers).status_code == 404
        assert client.post(
            f"/api/v1/campaigns/lists/{lid}/actions/fill", headers=headers
        ).status_code in (403, 404)
    # the district sees the station's list; WZ sees no campaign with no quota of its own
    assert client.get(f"/api/v1/campaigns/lists/{lid}", headers=district).status_code == 200
    assert client.get(f"/api/v1/campaigns/{cid}", headers=other).status_code == 404
    assert client.get("/api/v1/campaigns", headers=other).get_json()["items"] == []
    assert client.get(f"/api/v1/campaigns/{cid}").status_code == 401


def test_pairing_api_pairs_contacts_and_overdue(client, network):
    worker = api_token(client, "sz-gs-pj.caseworker")
    home = make_applicant(network["SZ-GS-PJ"], name="周大海", is_migrant_worker=True)
    from assist.extensions import db

    db.session.commit()
    body = {
        "applicant_id": home.id,
        "helper_kind": "enterprise",
        "helper_name": "苏州示例电子有限公司",
        "started_on": (today() - timedelta(days=45)).isoformat(),
        "plan_cause": "因病致困",
        "plan_need": "医疗费用",
        "plan_measures": "每月走访，帮助申请医疗救助",
        "plan_goal": "年内脱困",
    }
    response = client.post("/api/v1/pairings", json=body, headers=worker)
    assert response.status_code == 201, response.get_json()
    pair = response.get_json()
    assert pair["household"]["id_number"].startswith("*") and pair["is_overdue"]
    again = client.post("/api/v1/pairings", json=body, headers=worker)
    assert again.status_code == 422 and "applicant" in again.get_json()["error"]["fields"]
    overdue = client.get("/api/v1/pairings/overdue", headers=worker).get_json()
    assert [p["id"] for p in overdue["items"]] == [pair["id"]]
    assert overdue["counts"]["active_migrant"] == 1
    # The one list layer: a bounded total and an opaque cursor, here on the only page.
    assert (overdue["total"], overdue["total_is_capped"], overdue["next"]) == (1, False, None)
    for name in ("吴一", "郑二"):  # two active files without a helper
        make_applicant(network["SZ-GS-PJ"], name=name)
    db.session.commit()
    unpaired = client.get("/api/v1/pairings?view=unpaired&per_page=1", headers=worker).get_json()
    assert unpaired["total"] >= 2 and len(unpaired["items"]) == 1 and unpaired["next"]
    following = client.get(
        f"/api/v1/pairings?view=unpaired&per_page=1&after={unpaired['next']}", headers=worker
    ).get_json()
    assert following["items"][0]["id"] > unpaired["items"][0]["id"]  # oldest first
    assert client.get("/api/v1/pairings?after=7", headers=worker).status_code == 422
    contact = client.post(
        f"/api/v1/pairings/{pair['id']}/contacts",
        json={"contacted_on": today().isoformat(), "mode": "call", "done": "电话了解病情"},
        headers=worker,
    )
    assert contact.status_code == 201 and not contact.get_json()["is_overdue"]
    assert client.get("/api/v1/pairings/overdue", headers=worker).get_json()["items"] == []
    assert client.get("/api/v1/pairings?view=nope", headers=worker).status_code == 422
    sibling = api_token(client, "sz-gs-cl.caseworker")
    assert client.get(f"/api/v1/pairings/{pair['id']}", headers=sibling).status_code == 404
    ended = client.post(
        f"/api/v1/pairings/{pair['id']}/end", json={"result": "已就业，脱困"}, headers=worker
    )
    assert ended.status_code == 200 and ended.get_json()["ended_on"] == today().isoformat()
