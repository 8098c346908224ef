"""Claims: benefit computed with its working, the same tiered approval, paid to the member's card
from the mutual-aid fund, every movement a ledger row; renewal; members looked up in scope."""

from datetime import timedelta

from sqlalchemy import select

from assist.extensions import db
from assist.funds.checks import run_check
from assist.funds.models import LedgerEntry
from assist.mutual_aid.models import Claim, Enrolment
from tests.cases.helpers import Api
from tests.factories import make_applicant, user
from tests.mutual_aid.helpers import (
    HOSPITAL_DOCS,
    attach,
    enrolment_of,
    hospital_claim,
    make_plan,
    people,
    running_term_input,
    upload,
    xlsx,
)


def test_fees_are_a_receipt_and_a_subsidy_transfer_in_the_ledger(enrolled, funds, finance):
    mutual, union = funds
    rows = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    mutual_rows = [(r.kind, r.amount_fen) for r in rows if r.fund_id == mutual.id]
    # 12 members × ¥50 staff share, 12 × ¥30 subsidy, for each of the two plans.
    assert mutual_rows == [("receipt", 60_000), ("transfer_in", 36_000)] * 2
    assert [r.reference for r in rows if r.fund_id == mutual.id][0] == "苏银回单0001"
    assert [(r.kind, r.amount_fen) for r in rows if r.fund_id == union.id][-1] == (
        "transfer_out",
        -36_000,
    )
    run_check()  # the ledger check runs as a background job; the API reads its result
    verify = finance.get("/ledger/verify").get_json()
    assert verify["clean"], verify
    batch_id = db.session.scalars(select(Enrolment.batch_id)).first()
    again = finance.post(
        f"/mutual-aid/enrolments/{batch_id}/fee",
        json={"fund_id": mutual.id, "subsidy_fund_id": union.id, "reference": "x"},
    )
    assert again.status_code == 409


def test_hospital_claim_approved_at_the_station_and_paid_to_the_card(
    app, enrolled, hospital, caseworker, finance, funds
):
    _plan, term = hospital
    enrolment = enrolment_of(enrolled[0][1], term)
    claim = hospital_claim(caseworker, enrolment)
    assert claim["benefit"] == "450.00"
    assert "住院 12 天 − 免赔 3 天 = 9 天 × ¥50 = ¥450" in claim["working"]
    assert claim["missing_documents"] == list(HOSPITAL_DOCS)
    assert claim["bank_account"] == "**** **** 6543"
    # Not submitted before the plan's documents are all there.
    response = caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={})
    assert response.status_code == 409
    assert "医保结算单" in response.get_json()["error"]["message"]
    attach(caseworker, claim["case"]["id"], HOSPITAL_DOCS)
    claim = caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={}).get_json()
    assert claim["status"] == "submitted" and claim["documents_complete_at"]
    assert claim["case"]["approval_centre"] == "SZ-GS-PJ"
    station = Api(app.test_client(), "sz-gs-pj.supervisor")
    claim = station.post(f"/mutual-aid/claims/{claim['id']}/actions/approve", json={}).get_json()
    # No public notice for claims (the default setting): ready to pay at once.
    assert claim["status"] == "ready_to_pay"
    mutual, union = funds
    case_id = claim["case"]["id"]
    pay = {
        "fund_id": mutual.id,
        "amount": "450.00",
        "method": "cash",
        "signed_by": "张三",
        "signed_on": "2026-01-05",
        "idempotency_key": "claim-pay-0001",
        "centre_code": "SZ",
    }
    refused = finance.post(f"/cases/{case_id}/payments", json=pay)
    assert (
        refused.status_code == 409 and refused.get_json()["error"]["code"] == "bank_transfer_only"
    )
    pay.update(method="bank_transfer", reference="BANK-REF-1", fund_id=union.id)
    refused = finance.post(f"/cases/{case_id}/payments", json=pay)
    assert refused.get_json()["error"]["code"] == "fund_not_allowed"
    pay["fund_id"] = mutual.id
    paid = finance.post(f"/cases/{case_id}/payments", json=pay)
    assert paid.status_code == 201, paid.get_json()
    payment = paid.get_json()
    assert (payment["account_last4"], payment["centre_code"]) == ("6543", "SZ")
    claim = caseworker.get(f"/mutual-aid/claims/{claim['id']}").get_json()
    assert claim["status"] == "paid" and claim["case"]["paid"] == "450.00"
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.case_id == case_id)).one()
    assert (entry.kind, entry.amount_fen, entry.fund_id) == ("payment", -45_000, mutual.id)
    run_check()  # the ledger check runs as a background job; the API reads its result
    verify = finance.get("/ledger/verify").get_json()
    assert verify["clean"], verify


def test_big_critical_illness_claim_goes_up_a_tier(app, enrolled, critical, caseworker):
    _plan, term = critical
    enrolment = enrolment_of(enrolled[1][1], term)
    day = enrolment.cover_start + timedelta(days=120)
    response = caseworker.post(
        "/mutual-aid/claims",
        json={
            "enrolment_id": enrolment.id,
            "event": "critical_illness",
            "event_date": day.isoformat(),
            "illness_code": "cancer",
            "diagnosis": "肺恶性肿瘤",
            "bank_name": "中国银行",
            "bank_account": "6217001234567890",
        },
    )
    claim = response.get_json()
    assert claim["benefit"] == "10000.00", claim
    attach(caseworker, claim["case"]["id"], ("id_copy", "diagnosis"))
    caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={})
    station = Api(app.test_client(), "sz-gs-pj.supervisor")
    refused = station.post(f"/mutual-aid/claims/{claim['id']}/actions/approve", json={})
    assert refused.status_code == 409  # above the station's ¥2,000
    moved = station.post(
        f"/mutual-aid/claims/{claim['id']}/actions/recommend",
        json={"comment": "材料齐全，建议给付"},
    ).get_json()
    assert moved["case"]["approval_centre"] == "SZ-GS"
    district = Api(app.test_client(), "sz-gs.supervisor")
    approved = district.post(f"/mutual-aid/claims/{claim['id']}/actions/approve", json={})
    assert approved.get_json()["status"] == "ready_to_pay"


def test_refused_claims_carry_their_code_and_open_no_case(enrolled, hospital, caseworker):
    _plan, term = hospital
    enrolment = enrolment_of(enrolled[2][1], term)
    short = hospital_claim(caseworker, enrolment, days=3)
    assert short["refusal_code"] == "below_franchise" and short["case"] is None
    assert short["status"] == "refused"
    early = hospital_claim(caseworker, enrolment, offset=-5)
    assert early["refusal_code"] == "before_cover"
    # The cap: 4,200 already in progress, then 300 of the next 450.
    big = hospital_claim(caseworker, enrolment, days=87)  # 84 days × ¥50 = ¥4,200
    assert big["benefit"] == "4200.00"
    rest = hospital_claim(caseworker, enrolment, days=12, offset=120)
    assert rest["benefit"] == "300.00"
    assert "本期已领 ¥4,200，上限 ¥4,500，本次 ¥300" in rest["working"]
    used = hospital_claim(caseworker, enrolment, days=12, offset=150)
    assert used["refusal_code"] == "cap_used"
    listed = caseworker.get("/mutual-aid/claims?status=refused").get_json()["items"]
    assert {c["refusal_code"] for c in listed} == {"below_franchise", "before_cover", "cap_used"}
    bad = caseworker.post("/mutual-aid/claims", json={"enrolment_id": enrolment.id, "event": "x"})
    assert bad.status_code == 422
    nul = caseworker.post(
        "/mutual-aid/claims",
        json={
            "enrolment_id": enrolment.id,
            "event": "hospital",
            "event_date": "2026-13-01",
            "diagnosis": "a\x00b",
            "bank_name": 5,
            "bank_account": "1",
        },
    )
    assert nul.status_code == 422


def test_renewal_keeps_the_waiting_period_served(caseworker, unit, network):
    from assist.core.timeutil import local_today
    from tests.mutual_aid.helpers import CRITICAL_RULES

    previous = running_term_input("T1", started_days_ago=300)
    plan, first = make_plan("CR", "critical_illness", CRITICAL_RULES, term=previous)
    rows = people(12)
    assert upload(caseworker, unit.id, first.id, xlsx(rows), dry_run=False).status_code == 201
    from assist.mutual_aid import services

    nxt = running_term_input(
        "T2",
        started_days_ago=(local_today() - (first.cover_end + timedelta(days=1))).days,
        window_opens=first.cover_end - timedelta(days=300),
    )
    nxt.rules = CRITICAL_RULES
    second = services.add_term(plan, acting_user=user("sz.admin"), data=nxt)
    db.session.commit()
    dry = caseworker.post(
        "/mutual-aid/renewals",
        json={"unit_id": unit.id, "from_term_id": first.id, "to_term_id": second.id},
    )
    assert dry.status_code == 200 and dry.get_json()["rows_valid"] == 12
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.term_id == second.id)) is None
    done = caseworker.post(
        "/mutual-aid/renewals",
        json={
            "unit_id": unit.id,
            "from_term_id": first.id,
            "to_term_id": second.id,
            "dry_run": False,
        },
    )
    assert done.status_code == 201, done.get_json()
    renewed = enrolment_of(rows[0][1], second)
    assert renewed.continuous_since == first.cover_start
    # A newcomer in the second term waits; the renewed member does not.
    late = people(1)
    upload(caseworker, unit.id, second.id, xlsx(late), dry_run=False)
    newcomer = enrolment_of(late[0][1], second)
    assert newcomer.continuous_since == second.cover_start
    lookup = caseworker.post("/mutual-aid/members/lookup", json={"id_number": rows[0][1]})
    items = lookup.get_json()["items"]
    assert [i["term"] for i in items] == ["T2", "T1"]
    assert all(i["waiting_period_served"] for i in items)


def test_members_lookup_is_scoped_masked_and_linked_to_a_hardship_file(
    app, caseworker, unit, hospital, network
):
    _plan, term = hospital
    household = make_applicant(network["SZ-GS-PJ"], name="赵大")
    db.session.commit()
    rows = [("赵大", household.id_number), *people(11)]
    assert upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False).status_code == 201
    found = caseworker.post("/mutual-aid/members/lookup", json={"id_number": household.id_number})
    item = found.get_json()["items"][0]
    assert item["hardship_file"] is True
    assert item["id_number"] == "**************" + household.id_number[-4:]
    assert household.id_number not in found.get_data(as_text=True)
    cert = item["certificate_no"]
    by_cert = caseworker.post("/mutual-aid/members/lookup", json={"certificate_no": cert})
    assert by_cert.get_json()["items"][0]["certificate_no"] == cert
    outsider = Api(app.test_client(), "sz-wz.caseworker")
    nothing = outsider.post("/mutual-aid/members/lookup", json={"id_number": household.id_number})
    assert nothing.get_json()["items"] == []
    assert outsider.post("/mutual-aid/members/lookup", json={"id_number": "123"}).status_code == 422
    # The hardship household with cover is counted; the other one is listed as without.
    make_applicant(network["SZ-GS-PJ"], name="钱二")
    db.session.commit()
    figures = caseworker.get("/mutual-aid/coverage").get_json()
    assert figures["hardship_households"] == {"with_cover": 1, "without_cover": 1}
    unit_row = figures["units"][0]
    assert unit_row["members"] == 12 and unit_row["share_of_staff"] == 0.6


def test_overdue_list_counts_working_days_from_complete_documents(enrolled, hospital, caseworker):
    from datetime import datetime

    from assist.core.timeutil import local_to_utc, local_today
    from assist.mutual_aid.services import subtract_working_days

    _plan, term = hospital
    claims = []
    for n, days in enumerate((15, 16)):
        claim = hospital_claim(caseworker, enrolment_of(enrolled[4 + n][1], term))
        attach(caseworker, claim["case"]["id"], HOSPITAL_DOCS)
        caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={})
        day = subtract_working_days(local_today(), days)
        row = db.session.get(Claim, claim["id"])
        row.documents_complete_at = local_to_utc(datetime.combine(day, datetime.min.time()))
        claims.append(claim["id"])
    db.session.commit()
    overdue = caseworker.get("/mutual-aid/claims?status=overdue").get_json()["items"]
    assert [c["id"] for c in overdue] == [claims[1]]  # 16 working days; 15 is still in time
