"""Accident claims through the web: death and a disability grade, the working shown, approved at
the tier its amount needs, paid to the member's card from the mutual-aid fund, ledger clean."""

import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from assist.extensions import db
from assist.funds.models import LedgerEntry, Payment
from assist.funds.services import receive_funds
from assist.mutual_aid.models import Claim
from tests.conftest import csrf_token, login, post_form
from tests.factories import PDF, user
from tests.mutual_aid.helpers import enrolment_of, make_plan, people, upload, xlsx

ACCIDENT_RULES = {
    "sum_insured_fen": 1_000_000,  # ¥10,000
    "death_pct": 100,
    "disability_pct": [100, 90, 80, 70, 60, 50, 40, 30, 20, 10],
}


@pytest.fixture
def accident_members(caseworker, unit, finance, funds, network):
    _plan, term = make_plan("YW", "accident", ACCIDENT_RULES)
    rows = people(12)
    batch = upload(caseworker, unit.id, term.id, xlsx(rows), dry_run=False).get_json()
    mutual, union = funds
    paid = finance.post(
        f"/mutual-aid/enrolments/{batch['id']}/fee",
        json={"fund_id": mutual.id, "subsidy_fund_id": union.id, "reference": "苏银回单0009"},
    )
    assert paid.status_code == 201, paid.get_json()
    # the fund holds last year's fees carried over (a receipt): enough for a death benefit
    receive_funds(
        mutual, acting_user=user("sz.finance"), amount_fen=2_000_000, reference="上年结转"
    )
    db.session.commit()
    return term, rows


def _record(client, enrolment, **fields):
    url = f"/mutual-aid/claims/new/{enrolment.id}"
    data = {
        "event": "accident",
        "event_date": (enrolment.cover_start + timedelta(days=40)).isoformat(),
        "diagnosis": "交通事故",
        "bank_name": "中国农业银行",
        "bank_account": "6228480012345678901",
        **fields,
    }
    return post_form(client, url, data, token_from=url)


def _submit_with_documents(client, claim):
    case_url = f"/cases/{claim.case_id}"
    for kind in claim.enrolment.term.required_documents["accident"]:
        response = client.post(
            f"{case_url}/attachments",
            data={
                "csrf_token": csrf_token(client, case_url),
                "kind": kind,
                "file": (io.BytesIO(PDF), f"{kind}.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert post_form(client, f"{case_url}/submit", token_from=case_url).status_code == 302


def _decide(client, claim, action, amount):
    url = f"/cases/{claim.case_id}/decide/{action}"
    page = client.get(url)
    assert page.status_code == 200
    return post_form(
        client, url, {"amount_approved": amount, "comment": "材料齐全"}, token_from=url
    )


def _pay(client, claim, amount):
    url = f"/funds/cases/{claim.case_id}/pay"
    shown = client.get(url)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200, (
        shown.status_code,
        shown.headers.get("Location"),
        page[-3000:],
    )
    select_html = re.search(r'<select[^>]*name="source".*?</select>', page, re.S).group(0)
    sources = re.findall(r'<option[^>]*value="([^"]+)"', select_html)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page)
    key = key or re.search(r'value="([^"]+)"[^>]*name="idempotency_key"', page)
    assert sources and key, "the pay form offers a source"
    assert 'value="cash"' not in page  # a claim is paid to the member's card only
    return post_form(
        client,
        url,
        {
            "source": sources[0],
            "method": "bank_transfer",
            "amount": amount,
            "reference": f"BANK-{claim.claim_no}",
            "signed_by": claim.enrolment.name,
            "signed_on": "2026-12-01",
            "idempotency_key": unescape(key.group(1)),
        },
        token_from=url,
    )


def test_accident_death_and_disability_claims_through_the_web(app, client, accident_members, funds):
    term, rows = accident_members
    mutual, _union = funds
    login(client, "sz-gs-pj.caseworker")

    # a disability of grade 10: 10 % of ¥10,000 — within the station's limit
    disabled = enrolment_of(rows[0][1], term)
    bad = _record(client, disabled, outcome="disability", disability_grade="11")
    assert bad.status_code == 422 and db.session.scalar(select(Claim.id)) is None
    response = _record(client, disabled, outcome="disability", disability_grade="10")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    grade = db.session.scalars(select(Claim)).one()
    page = client.get(f"/mutual-aid/claims/{grade.id}").get_data(as_text=True)
    assert "伤残 10 级：保障金额 ¥10,000 × 10% = ¥1,000" in page
    assert grade.benefit_fen == 100_000 and "6228480012345678901" not in page

    # a death: 100 % of the sum insured, above the station's limit
    died = enrolment_of(rows[1][1], term)
    assert _record(client, died, outcome="death").status_code == 302
    death = db.session.scalars(select(Claim).where(Claim.id != grade.id)).one()
    page = client.get(f"/mutual-aid/claims/{death.id}").get_data(as_text=True)
    assert "意外身故：保障金额 ¥10,000 × 100% = ¥10,000" in page
    assert death.benefit_fen == 1_000_000

    for claim in (grade, death):
        _submit_with_documents(client, claim)

    station = app.test_client()
    login(station, "sz-gs-pj.supervisor")
    assert _decide(station, grade, "approve", "1000.00").status_code == 302
    refused = _decide(station, death, "approve", "10000.00")
    assert refused.status_code != 302  # above the station's tier: refused, nothing changed
    db.session.expire_all()
    assert db.session.get(Claim, death.id).case.status == "submitted"
    assert _decide(station, death, "recommend", "10000.00").status_code == 302
    db.session.expire_all()
    assert db.session.get(Claim, death.id).case.approval_centre.code == "SZ-GS"
    district = app.test_client()
    login(district, "sz-gs.supervisor")
    assert _decide(district, death, "approve", "10000.00").status_code == 302

    finance = app.test_client()
    login(finance, "sz.finance")
    for claim, amount in ((grade, "1000.00"), (death, "10000.00")):
        paid = _pay(finance, claim, amount)
        assert paid.status_code == 302, re.findall(
            r'data-field-error="\w+">[^<]+|alert-danger[^>]*>[^<]+', paid.get_data(as_text=True)
        )
    db.session.expire_all()
    for claim, fen in ((grade, 100_000), (death, 1_000_000)):
        row = db.session.get(Claim, claim.id)
        assert row.status == "paid"
        payment = db.session.scalars(select(Payment).where(Payment.case_id == row.case_id)).one()
        assert (payment.method, payment.amount_fen, payment.fund_id) == (
            "bank_transfer",
            fen,
            mutual.id,
        )
        assert payment.account_last4 == "8901"  # the member's own card
        entry = db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.case_id == row.case_id)
        ).one()
        assert (entry.kind, entry.amount_fen) == ("payment", -fen)
    listed = client.get("/mutual-aid/claims").get_data(as_text=True)
    assert grade.claim_no in listed and death.claim_no in listed

    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output
