"""Status badges explain their state (item 8 of issue 13): the explanation is the badge's
tooltip (title) and its accessible description (aria-describedby → a hidden element)."""

import re

import pytest

from assist.applicants import labels as file_labels
from assist.applicants.models import FileStatus, TransferStatus
from assist.campaigns import labels as campaign_labels
from assist.campaigns.models import ListStatus
from assist.cases import labels as case_labels
from assist.cases.models import CaseStatus
from assist.extensions import db
from assist.funds import labels as fund_labels
from assist.funds.models import BatchStatus, PaymentStatus
from assist.returns import labels as return_labels
from assist.returns.models import ReturnStatus
from tests.conftest import login
from tests.factories import make_applicant
from tests.funds.factories import make_ready_case

BADGE = re.compile(
    r'<span class="badge[^"]*"[^>]*title="([^"]+)" aria-describedby="([^"]+)">([^<]+)</span>'
    r'<span id="([^"]+)" hidden>([^<]+)</span>'
)


@pytest.mark.parametrize(
    ("helps", "states"),
    [
        (file_labels.STATUS_HELP, FileStatus),
        (file_labels.TRANSFER_STATUS_HELP, TransferStatus),
        (case_labels.STATUS_HELP, CaseStatus),
        (fund_labels.PAYMENT_STATUS_HELP, PaymentStatus),
        (fund_labels.BATCH_STATUS_HELP, BatchStatus),
        (campaign_labels.LIST_STATUS_HELP, ListStatus),
        (return_labels.VERSION_HELP, ReturnStatus),
    ],
)
def test_every_state_has_one_explanation(app, helps, states):
    assert set(helps) == {s.value for s in states}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert all(str(text).strip() for text in helps.values())


def _badges(html: str) -> list[tuple[str, str]]:
    found = []
    for title, described_by, label, hidden_id, hidden_text in BADGE.findall(html):
        assert described_by == hidden_id and title == hidden_text
        found.append((label.strip(), title))
    ids = re.findall(r'id="(state-help-\d+)"', html)
    assert len(ids) == len(set(ids))  # one description per badge, ids unique on the page
    return found


def test_file_case_and_to_pay_badges_carry_their_explanation(client, network):
    applicant = make_applicant(network["SZ-GS-PJ"])
    case = make_ready_case(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    file_badges = _badges(client.get(f"/files/{applicant.id}").get_data(as_text=True))
    assert ("在档", "在档：该户可获得帮扶。") in file_badges
    case_badges = _badges(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert ("待发放", "已批准，由财务向该户发放帮扶款。") in case_badges
    listed = _badges(client.get("/cases/").get_data(as_text=True))
    assert ("待发放", "已批准，由财务向该户发放帮扶款。") in listed

    finance = client.application.test_client()
    login(finance, "sz-gs-pj.finance")
    to_pay = _badges(finance.get("/funds/to-pay").get_data(as_text=True))
    assert ("待发放", "已批准，由财务向该户发放帮扶款。") in to_pay
