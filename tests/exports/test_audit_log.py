"""The audit log an auditor can read: words, 元, readable changes, links, list filters."""

import pytest

from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds import services
from tests.conftest import login
from tests.factories import user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


@pytest.fixture
def payment(network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 300_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=120_000)
    paid, _ = services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=120_000,
        details=services.PaymentDetails(method="bank_transfer", reference="R1"),
        idempotency_key="audit-log-payment-0001",
    )
    db.session.commit()
    return paid


def test_auditor_reads_actions_in_words_with_amounts_in_yuan_and_links(app, payment):
    client = app.test_client()
    login(client, "sz-gs-pj.auditor")
    today = local_today().isoformat()
    html = client.get(f"/audit/?user=sz-gs-pj.finance&from={today}&to={today}").get_data(
        as_text=True
    )
    rows = html[html.index('data-testid="audit-rows"') :]
    assert "payment.created" not in rows.replace('data-action="payment.created"', "")
    assert "发放" in rows and "¥1,200.00" in rows
    assert f'href="/funds/payments/{payment.id}"' in rows
    assert f'href="/cases/{payment.case_id}"' in rows
    assert "待发放" in rows and "已发放" in rows  # the case's state before → after, in words
    assert "sz.finance" not in rows  # the user filter: only this officer's rows
    # The filters are lists, not free-text codes.
    assert '<select id="user"' in html and '<select id="kind"' in html
    assert '<select id="centre"' in html
    # Yesterday has none of it.
    empty = client.get("/audit/?user=sz-gs-pj.finance&from=2020-01-01&to=2020-01-01")
    assert "¥1,200.00" not in empty.get_data(as_text=True)
    # Outside the scope: a sibling station's auditor does not see the station's rows.
    other = app.test_client()
    login(other, "sz-gs-cl.auditor")
    assert "¥1,200.00" not in other.get("/audit/?kind=payment").get_data(as_text=True)
