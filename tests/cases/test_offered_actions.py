"""Pages offer only the actions that can succeed, and say why the others cannot.

Each action's `check_…` in the service raises the same error as the action; the pages ask it.
"""

from datetime import timedelta

import pytest

from assist.applicants import services as file_services
from assist.applicants.models import FileStatus
from assist.cases import services as case_services
from assist.cases.models import AidCase, AidKind, CaseStatus
from assist.core.errors import DomainError
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds import services as fund_services
from tests.conftest import login
from tests.factories import make_applicant, user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


@pytest.fixture
def web(app, network):
    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


def _submitted(centre, amount_fen):
    applicant = make_applicant(centre)
    case = AidCase(
        case_no=f"{centre.code}-2026-C{applicant.id:05d}",
        centre_id=centre.id,
        applicant_id=applicant.id,
        kind=AidKind.MEDICAL,
        status=CaseStatus.SUBMITTED,
        amount_requested_fen=amount_fen,
        self_paid_fen=amount_fen,
        reason="测试",
        created_by_id=user("sz-gs-pj.caseworker").id,
        submitted_by_id=user("sz-gs-pj.caseworker").id,
        approval_centre_id=centre.id,
    )
    db.session.add(case)
    db.session.commit()
    return case


def test_over_the_limit_approve_is_shown_disabled_with_the_limit_and_the_check_agrees(
    web, network, standard
):
    case = _submitted(network["SZ-GS-PJ"], 800_000)
    page = web("sz-gs-pj.supervisor").get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="decide-recommend"' in page
    assert 'data-testid="decide-approve"' not in page
    assert 'data-testid="blocked-approve"' in page and "disabled" in page
    reasons = page[page.index('data-testid="blocked-reasons"') :]
    assert "2,000.00" in reasons and "姑苏区" in reasons
    # The check raises exactly what the action raises.
    sup = user("sz-gs-pj.supervisor")
    with pytest.raises(DomainError) as checked:
        case_services.check_approve(case, sup)
    with pytest.raises(DomainError) as acted:
        case_services.approve_case(case, acting_user=sup, amount_fen=800_000)
    db.session.rollback()
    assert checked.value.message == acted.value.message

    # Within the limit the supervisor approves; recommending is not explained as refused.
    small = _submitted(network["SZ-GS-PJ"], 150_000)
    page = web("sz-gs-pj.supervisor").get(f"/cases/{small.id}").get_data(as_text=True)
    assert 'data-testid="decide-approve"' in page
    assert "blocked-recommend" not in page and "decide-recommend" not in page
    # A caseworker sees no decision at all (not their role), not a refusal.
    page = web("sz-gs-pj.caseworker").get(f"/cases/{small.id}").get_data(as_text=True)
    assert "decide-approve" not in page and "blocked-approve" not in page


def test_no_reverse_button_on_a_closed_case_and_the_reason_is_given(web, network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 300_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=10_000)
    payment, _ = fund_services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=10_000,
        details=fund_services.PaymentDetails(method="bank_transfer", reference="R9"),
        idempotency_key="offered-1",
    )
    db.session.commit()
    page = web("sz-gs.finance").get(f"/funds/payments/{payment.id}").get_data(as_text=True)
    assert f"/funds/payments/{payment.id}/reverse" in page  # paid, not closed: reversible

    case_services.close_case(case, acting_user=user("sz-gs-pj.caseworker"), comment="")
    db.session.commit()
    page = web("sz-gs.finance").get(f"/funds/payments/{payment.id}").get_data(as_text=True)
    assert f"/funds/payments/{payment.id}/reverse" not in page
    assert 'data-testid="reverse-refusal"' in page and "已结案" in page
    with pytest.raises(DomainError) as checked:
        fund_services.check_reverse(payment, acting_user=user("sz-gs.finance"))
    with pytest.raises(DomainError) as acted:
        fund_services.reverse_payment(payment, acting_user=user("sz-gs.finance"), reason="x")
    db.session.rollback()
    assert checked.value.message == acted.value.message
    # The payer is told why they cannot reverse their own payment.
    page = web("sz-gs-pj.finance").get(f"/funds/payments/{payment.id}").get_data(as_text=True)
    assert 'data-testid="reverse-refusal"' in page


def test_a_file_in_notice_says_until_when_and_activates_once_it_ended(web, network, standard):
    pj = network["SZ-GS-PJ"]
    applicant = make_applicant(
        pj,
        status=FileStatus.PUBLIC_NOTICE,
        notice_started_on=local_today() - timedelta(days=1),
    )
    applicant.created_by_id = user("sz-gs-pj.caseworker").id
    db.session.commit()
    page = web("sz-gs-pj.supervisor").get(f"/files/{applicant.id}").get_data(as_text=True)
    ends = (local_today() + timedelta(days=pj.notice_days - 1)).isoformat()
    reasons = page[page.index('data-testid="blocked-reasons"') :]
    assert 'data-blocked="activate"' in reasons and ends in reasons
    assert 'data-action="activate"' not in page
    with pytest.raises(DomainError) as checked:
        file_services.check_transition(applicant, "activate", user("sz-gs-pj.supervisor"))
    assert ends in checked.value.message

    applicant.notice_started_on = local_today() - timedelta(days=pj.notice_days)
    db.session.commit()
    page = web("sz-gs-pj.supervisor").get(f"/files/{applicant.id}").get_data(as_text=True)
    assert 'data-action="activate"' in page
